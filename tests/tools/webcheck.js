// Opens a local HTML page in Debian's chromium (puppeteer-core, no network), and for each viewport width and
// colour scheme asked: runs axe-core with the WCAG 2.x A and AA rules, measures horizontal overflow, counts
// requests that left the page, and optionally takes a screenshot. Prints one JSON report on stdout.
//   node webcheck.js PAGE_URL --widths 320,1280 --schemes light,dark [--screenshot 390:light:/tmp/x.png]
//        [--no-javascript] [--zoom 2] [--boxes SELECTOR]
// --boxes: in each run, the box of every element SELECTOR matches and of its text (a Range over its contents), in
// CSS pixels of the viewport, with its classes and text. A screenshot's fourth field, a selector, shoots that
// element alone (390:dark:/tmp/x.png:#some-figure).
'use strict';
const path = require('path');
const fs = require('fs');
const puppeteer = require('puppeteer-core');

const args = process.argv.slice(2);
const url = args[0];
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const widths = option('--widths', '320,1280').split(',').map(Number);
const schemes = option('--schemes', 'light,dark').split(',');
const textZoom = Number(option('--text-zoom', '0'));
const shots = args.flatMap((value, i) => (value === '--screenshot' ? [args[i + 1]] : []));
const boxes = option('--boxes', '');
const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
    headless: true,
    userDataDir: fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'wc-')),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run', '--disable-quic', '--disable-domain-reliability', '--no-pings'],
  });
  const report = { runs: [], outside: [], shots: [] };
  try {
    const page = await browser.newPage();
    page.on('request', (request) => {
      const target = request.url();
      if (!target.startsWith('file:') && !target.startsWith('data:')) report.outside.push(target);
    });
    for (const scheme of schemes) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      for (const width of widths) {
        await page.setViewport({ width, height: 800 });
        await page.goto(url, { waitUntil: 'load' });
        if (textZoom) {  // text resized (WCAG 1.4.4): the root font size, as a browser's text-only zoom does
          await page.addStyleTag({ content: `html { font-size: ${textZoom * 100}% !important; }` });
        }
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(async (runTags) => {
          const axeResult = await window.axe.run(document, { runOnly: { type: 'tag', values: runTags },
                                                             resultTypes: ['violations'] });
          return {
            violations: axeResult.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })),
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            background: getComputedStyle(document.documentElement).backgroundColor,
            color: getComputedStyle(document.body).color,
          };
        }, tags);
        if (boxes) {
          result.boxes = await page.evaluate((selector) => {
            const box = (r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom });
            return Array.from(document.querySelectorAll(selector)).map((element) => {
              const range = document.createRange();
              range.selectNodeContents(element);
              return { classes: element.getAttribute('class') || '', text: element.textContent.trim(),
                       box: box(element.getBoundingClientRect()), textBox: box(range.getBoundingClientRect()) };
            });
          }, boxes);
        }
        report.runs.push({ scheme, width, ...result });
      }
    }
    for (const shot of shots) {
      const [width, scheme, file, ...rest] = shot.split(':');
      const element = rest.join(':');
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      await page.setViewport({ width: Number(width), height: 844 });
      await page.goto(url, { waitUntil: 'load' });
      if (element) {
        await (await page.$(element)).screenshot({ path: file });
      } else {
        await page.screenshot({ path: file });
      }
      report.shots.push(file);
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(3); });
