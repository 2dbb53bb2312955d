// The applications gallery of the web page in a real headless Chromium (Debian's chromium, driven by
// playwright-core), against a server holding the models `aebridge demo all --quick` exported.
// Usage: node tests/web/gallery.test.mjs BASE_URL SCREENSHOT_DIR
// Prints one "ok"/"FAIL" line per check and "N passed, N failed"; exit code 1 on any failure.
import { chromium } from 'playwright-core';

const [baseUrl, screenshots = '/tmp'] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const results = [];

async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok   gallery: ${name}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL gallery: ${name}: ${e.message.split('\n')[0]}`);
  }
}

const shown = (id) => `document.getElementById('${id}').src.startsWith('data:image/png') && document.getElementById('${id}').naturalWidth > 0`;

async function pick(page, model, example) {
  const before = Number(await page.evaluate(() => document.body.dataset.galleryRuns || 0));
  await page.selectOption('#app-select', model);
  await page.waitForSelector(`#app-examples[data-model="${model}"]`, { timeout: 15000 });
  if (await page.locator('#app-examples img').count() <= example) throw new Error(`${model} has too few examples`);
  await page.locator('#app-examples img').nth(example).click();
  await page.waitForFunction((b) => Number(document.body.dataset.galleryRuns || 0) > b, before, { timeout: 20000 });
  await page.waitForFunction(`${shown('app-input')} && ${shown('app-output')}`, null, { timeout: 10000 });
}

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(baseUrl + '/', { waitUntil: 'domcontentloaded' });

  await check('lists the demo models', async () => {
    await page.waitForSelector('#gallery:not([hidden])', { timeout: 15000 });
    const options = await page.$$eval('#app-select option', (o) => o.map((e) => e.value));
    for (const m of ['demo-anomaly', 'demo-colour', 'demo-compress', 'demo-denoise', 'demo-features', 'demo-reduce',
      'demo-watermark-colour', 'demo-watermark-digits']) {
      if (!options.includes(m)) throw new Error(`${m} missing from ${options}`);
    }
  });

  await check('empty picture boxes show their hint, not broken images', async () => {
    await page.screenshot({ path: `${screenshots}/gallery-empty.png`, fullPage: true });
    const broken = await page.$$eval('img', (imgs) => imgs.filter((i) => {
      const visible = getComputedStyle(i).display !== 'none' && i.offsetParent !== null;
      return visible && !(i.complete && i.naturalWidth > 0);
    }).map((i) => i.id || i.alt));
    if (broken.length) throw new Error(`visible images without a picture: ${broken}`);
    const hint = await page.$eval('#app-input', (i) => getComputedStyle(i.parentElement, '::after').content);
    if (!hint.includes('pick an example')) throw new Error(`input box hint is ${hint}`);
  });

  await check('watermark (colour): a held-out example shows input, restored output and the median baseline', async () => {
    await pick(page, 'demo-watermark-colour', 0);
    await page.waitForFunction(shown('app-baseline'), null, { timeout: 10000 });
    const [input, base] = await page.$$eval(['#app-input', '#app-baseline'].join(','), (e) => e.map((i) => i.src));
    if (input === base) throw new Error('the baseline is the input itself');
    // The example is fed as stored: the model input equals the card's example pixels (no inversion).
    const same = await page.evaluate(async () => {
      const pixels = async (src) => {
        const i = new Image(); i.src = src; await i.decode();
        const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(i, 0, 0);
        return Array.from(g.getImageData(0, 0, c.width, c.height).data);
      };
      const a = await pixels(document.querySelector('#app-examples img').src);
      const b = await pixels(document.getElementById('app-input').src);
      return a.length === b.length && a.every((v, k) => Math.abs(v - b[k]) <= 1);
    });
    if (!same) throw new Error('the model input differs from the chosen example');
    await page.screenshot({ path: `${screenshots}/gallery-watermark.png`, fullPage: true });
  });

  await check('reduce: the example is placed on the 2-D map', async () => {
    await pick(page, 'demo-reduce', 2);
    await page.waitForSelector('#app-map-panel:not([hidden])');
    const input = await page.$eval('#app-input', (i) => [i.naturalWidth, i.naturalHeight].join('x'));
    if (input !== '28x28') throw new Error(`the reduce model's input is ${input}, not a 28×28 digit`);
    const point = await page.$eval('#app-map', (c) => c.dataset.point || '');
    if (!/^-?\d+\.\d+,-?\d+\.\d+$/.test(point)) throw new Error(`no point placed: "${point}"`);
    const baselineHint = await page.$eval('#app-baseline', (i) => getComputedStyle(i.parentElement, '::after').content);
    if (!baselineHint.includes('no picture baseline')) throw new Error(`baseline box hint is ${baselineHint}`);
    await page.screenshot({ path: `${screenshots}/gallery-reduce.png`, fullPage: true });
  });

  await check('anomaly: noise is scored against the card threshold and flagged', async () => {
    const last = (await page.$$eval('#app-examples img', (e) => e.length));
    await pick(page, 'demo-anomaly', 0);
    await page.waitForFunction(() => document.getElementById('app-result').textContent.includes('threshold'));
    const count = await page.locator('#app-examples img').count();
    await pick(page, 'demo-anomaly', count - 1); // the card's last example is uniform noise
    const text = await page.textContent('#app-result');
    if (!/score \(reconstruction MSE\) \d\.\d+ against the card's threshold \d\.\d+: not a digit/.test(text)) {
      throw new Error(`result: "${text}" (examples before: ${last})`);
    }
    await page.screenshot({ path: `${screenshots}/gallery-anomaly.png`, fullPage: true });
  });

  await check('colour: an uploaded colour picture is made grey and coloured by the model', async () => {
    await page.selectOption('#app-select', 'demo-colour');
    await page.waitForSelector('#app-examples[data-model="demo-colour"]', { timeout: 15000 });
    const png = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = c.height = 32;
      const g = c.getContext('2d');
      g.fillStyle = '#fff'; g.fillRect(0, 0, 32, 32);
      g.fillStyle = '#e53935'; g.beginPath(); g.arc(16, 16, 11, 0, 7); g.fill();
      return c.toDataURL('image/png').split(',')[1];
    });
    const before = Number(await page.evaluate(() => document.body.dataset.galleryRuns || 0));
    await page.setInputFiles('#app-upload', { name: 'red.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
    await page.waitForFunction((b) => Number(document.body.dataset.galleryRuns || 0) > b, before, { timeout: 20000 });
    await page.waitForFunction(shown('app-output'));
    const grey = await page.evaluate(() => {
      const i = document.getElementById('app-input');
      const c = document.createElement('canvas');
      c.width = i.naturalWidth; c.height = i.naturalHeight;
      const g = c.getContext('2d'); g.drawImage(i, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      for (let k = 0; k < d.length; k += 4) if (d[k] !== d[k + 1] || d[k + 1] !== d[k + 2]) return false;
      return true;
    });
    if (!grey) throw new Error('the model input still has colour');
    await page.screenshot({ path: `${screenshots}/gallery-colour.png`, fullPage: true });
  });

  await check('denoise: the playground drawing goes through the gallery', async () => {
    await page.selectOption('#app-select', 'demo-denoise');
    await page.waitForSelector('#app-examples[data-model="demo-denoise"]', { timeout: 15000 });
    const box = await page.locator('#canvas').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.7, { steps: 8 });
    await page.mouse.up();
    const before = Number(await page.evaluate(() => document.body.dataset.galleryRuns || 0));
    await page.click('#app-use-drawing');
    await page.waitForFunction((b) => Number(document.body.dataset.galleryRuns || 0) > b, before, { timeout: 20000 });
    await page.waitForFunction(`${shown('app-output')} && ${shown('app-baseline')}`);
  });

  await check('no script errors on the page', async () => {
    if (pageErrors.length) throw new Error(pageErrors.join('; '));
  });
  await page.screenshot({ path: `${screenshots}/gallery.png`, fullPage: true });
} finally {
  await browser.close();
}
const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
