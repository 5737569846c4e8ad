// The `large` flag of a locality (issue 12 item 4: a landmark is asked in a large locality) can be set from the CSV an
// operator imports, not only in the JSON: an optional `large` column, "yes"/"no" (empty is no); anything else is named
// by its line. A file without the column still imports.
import { describe, expect, it } from 'vitest';
import { Directory } from '../../services/directory.js';
import { DIRECTORY_CSV_COLUMNS, directoryFromCsv } from '../../services/directoryCsv.js';

function csv(rows: Array<{ locality: string; localityHi: string; large?: string }>, columns: readonly string[] = DIRECTORY_CSV_COLUMNS): string {
  const lines = [columns.join(',')];
  for (const row of rows) {
    const cells: Record<string, string> = {
      district_id: 'lucknow', district: 'Lucknow', district_hi: 'लखनऊ',
      zone_id: 'zone-1', zone: 'Zone', zone_hi: 'क्षेत्र', ce_id: 'ce-1', ce_name: 'CE',
      circle_id: 'circle-1', circle: 'Circle', circle_hi: 'मंडल', se_id: 'se-1', se_name: 'SE',
      division_id: 'div-1', division: 'Division', division_hi: 'खंड', xen_id: 'xen-1', xen_name: 'XEN',
      subdivision_id: 'sd-1', subdivision: 'Subdivision', subdivision_hi: 'उपखंड', sdo_id: 'sdo-1', sdo_name: 'SDO', je_id: 'je-1', je_name: 'JE',
      locality: row.locality, locality_hi: row.localityHi, large: row.large ?? '',
    };
    lines.push(columns.map((column) => cells[column] ?? '').join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('the large flag in a directory CSV', () => {
  it('"yes" flags a locality, "no" or empty does not; the directory built from it answers isLargeLocality', () => {
    const read = directoryFromCsv(
      csv([
        { locality: 'Indira Nagar', localityHi: 'इंदिरा नगर', large: 'yes' },
        { locality: 'Bhootnath', localityHi: 'भूतनाथ', large: 'no' },
        { locality: 'Chinhat', localityHi: 'चिनहट' },
      ]),
    );
    expect(read.problems).toEqual([]);
    const directory = Directory.fromData(read.data);
    expect(directory.isLargeLocality('Indira Nagar')).toBe(true);
    expect(directory.isLargeLocality('Bhootnath')).toBe(false);
    expect(directory.isLargeLocality('Chinhat')).toBe(false);
  });

  it('anything else is a problem named by its line', () => {
    const read = directoryFromCsv(csv([{ locality: 'Indira Nagar', localityHi: 'इंदिरा नगर', large: 'bahut' }]));
    expect(read.problems).toEqual(['line 2: large "bahut" is not yes or no']);
  });

  it('a file without the column still imports, flagging nothing', () => {
    const read = directoryFromCsv(csv([{ locality: 'Indira Nagar', localityHi: 'इंदिरा नगर' }], DIRECTORY_CSV_COLUMNS.filter((column) => column !== 'large')));
    expect(read.problems).toEqual([]);
    expect(Directory.fromData(read.data).isLargeLocality('Indira Nagar')).toBe(false);
  });
});
