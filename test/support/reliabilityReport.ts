import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Each reliability case leaves a small JSON verdict behind so CI can publish "what was done, what was seen,
// did it hold" per case, independently of the test runner's own report.
export const reliabilityReportDirectory = path.resolve('test-artifacts', 'reliability');

export interface ReliabilityOutcome {
  scenario: string;
  expected: string;
  observed: Record<string, unknown>;
  passed: boolean;
}

export function reliabilityCaseSlug(caseName: string): string {
  const slug = caseName
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug || 'case';
}

/** Writes test-artifacts/reliability/<slug>.json and returns its path. */
export function recordCase(caseName: string, outcome: ReliabilityOutcome): string {
  mkdirSync(reliabilityReportDirectory, { recursive: true });
  const file = path.join(reliabilityReportDirectory, `${reliabilityCaseSlug(caseName)}.json`);
  const report = { name: caseName, ...outcome, recordedAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
