/**
 * Reads training data into {@link io.aebridge.data.Dataset}s: NPY, MNIST IDX, numeric CSV and folders of images,
 * plus the MNIST split, validation splits and the data fingerprint written into model cards.
 *
 * <p>Every reader fails with a checked {@link io.aebridge.data.DataFormatException} naming the file and the byte or
 * line where the data went wrong.
 */
package io.aebridge.data;
