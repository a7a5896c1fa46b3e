// Runs axe-core (the accessibility engine, a devDependency) inside a page and reports the serious
// and critical violations as readable lines: rule, what it means, and each offending element with
// axe's own summary of how to fix it. Moderate and minor findings are left out on purpose: the
// bar set for Floe is "no serious or critical violation on any screen" (issue 7).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults, ImpactValue } from 'axe-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const FAILING: ImpactValue[] = ['serious', 'critical'];

/** axe's serious and critical violations on the page as it is now, one readable string each. */
export async function axeViolations(page: Page, screen: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResults> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary ?? '' })),
    }));
  });
  return results
    .filter((v) => v.impact && FAILING.includes(v.impact))
    .map(
      (v) =>
        `[${screen}] ${v.impact} ${v.id}: ${v.help}\n` +
        v.nodes.map((n) => `    at ${n.target}\n      ${n.html}\n      ${n.summary.replace(/\n/g, '\n      ')}`).join('\n'),
    );
}

/** Checks the current screen in the light and the dark colour scheme (the theme follows the system). */
export async function axeBothSchemes(page: Page, screen: string): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForFunction((s) => document.documentElement.dataset.theme === s, colorScheme);
    found.push(...(await axeViolations(page, `${screen}, ${colorScheme}`)));
  }
  await page.emulateMedia({ colorScheme: null });
  return found;
}
