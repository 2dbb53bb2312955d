// The web page in a real headless Chromium (Debian's chromium, driven by playwright-core): the model list loads,
// a digit drawn on the canvas is reconstructed, an uploaded PNG is reconstructed, and "add noise" shows the noisy
// input next to the reconstruction. Usage: node tests/web/page.test.mjs BASE_URL MODEL_NAME SCREENSHOT_DIR
// Prints one "ok"/"FAIL" line per check and "N passed, N failed"; exit code 1 on any failure.
import { chromium } from 'playwright-core';

const [baseUrl, modelName, screenshots = '/tmp'] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const results = [];

async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
  }
}

async function reconstructionShown(page, previousSrc) {
  await page.waitForFunction((prev) => {
    const img = document.getElementById('reconstruction-img');
    return img && img.src.startsWith('data:image/png;base64,') && img.src !== prev && img.naturalWidth > 0;
  }, previousSrc, { timeout: 15000 });
  const error = (await page.textContent('#error-value')).trim();
  if (!/^\d+(\.\d+)?$/.test(error)) throw new Error(`reconstruction error is not a number: "${error}"`);
  return page.getAttribute('#reconstruction-img', 'src');
}

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(baseUrl + '/', { waitUntil: 'domcontentloaded' });

  await check('model list shows the model and its signatures', async () => {
    await page.waitForSelector(`#models tbody tr >> text=${modelName}`, { timeout: 15000 });
    const text = await page.textContent('#models');
    for (const sig of ['serving_default', 'encode', 'decode']) {
      if (!text.includes(sig)) throw new Error(`signature ${sig} not listed`);
    }
  });

  let src = '';
  await check('a digit drawn on the canvas is reconstructed, with a numeric error and a code strip', async () => {
    await page.selectOption('#model-select', modelName);
    const box = await page.locator('#canvas').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let i = 0; i <= 10; i++) {
      await page.mouse.move(box.x + box.width * (0.5 + 0.02 * Math.sin(i)), box.y + box.height * (0.2 + 0.06 * i));
    }
    await page.mouse.up();
    await page.click('#reconstruct-btn');
    src = await reconstructionShown(page, src);
    const range = (await page.textContent('#code-range')).trim();
    if (!/^\d+ values from -?\d/.test(range)) throw new Error(`the code heat strip has no range: "${range}"`);
    const painted = await page.evaluate(() => {
      const c = document.getElementById('code-strip');
      const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return pixels.some((v, i) => i % 4 === 3 && v > 0);
    });
    if (!painted) throw new Error('the code heat strip canvas is blank');
  });

  await check('an uploaded PNG is reconstructed', async () => {
    const png = await page.locator('#canvas').screenshot();
    await page.setInputFiles('#upload', { name: 'digit.png', mimeType: 'image/png', buffer: png });
    src = await reconstructionShown(page, src);
  });

  await check('"add noise" shows the noisy input and a new reconstruction', async () => {
    await page.click('#noise-btn');
    await page.waitForSelector('#noisy-panel:not([hidden])', { timeout: 15000 });
    await page.waitForFunction(() => document.getElementById('noisy-img').src.startsWith('data:image/png'));
    src = await reconstructionShown(page, src);
  });

  await check('no script errors on the page', async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join('; '));
  });
  await page.screenshot({ path: `${screenshots}/web-page.png`, fullPage: true });
} finally {
  await browser.close();
}
const passed = results.filter(Boolean).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
