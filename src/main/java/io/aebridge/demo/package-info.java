/**
 * The tutorial's applications as one command each ({@code aebridge demo <name>}): each demo reads real data through
 * the project's fetch scripts, trains through {@code io.aebridge.train}, exports into the models folder (served like
 * any other model), measures its figure against a plain baseline and writes a report (picture grid, loss curve,
 * figures JSON, a Markdown section). Uses spec/data/graph/train/export/evaluate; nothing in {@code serve} imports
 * it.
 */
package io.aebridge.demo;
