// A directory as a spreadsheet: one row per locality with its whole chain of units and officers above it, the way a
// discom's records are usually exported. Read into the data file's format (services/directory.ts), with every problem
// named by its line number: a unit or officer that appears on many rows must be the same on each.
import type { DirectoryData } from './directory.js';

export const DIRECTORY_CSV_COLUMNS = [
  'district_id', 'district', 'district_hi',
  'zone_id', 'zone', 'zone_hi', 'ce_id', 'ce_name', 'ce_phone',
  'circle_id', 'circle', 'circle_hi', 'se_id', 'se_name', 'se_phone',
  'division_id', 'division', 'division_hi', 'xen_id', 'xen_name', 'xen_phone',
  'subdivision_id', 'subdivision', 'subdivision_hi', 'sdo_id', 'sdo_name', 'sdo_phone', 'je_id', 'je_name', 'je_phone',
  'locality', 'locality_hi', 'aliases', 'lat', 'lon',
  'feeder_id', 'feeder', 'transformer_id', 'transformer',
  // "yes" for a colony split into sectors/blocks not listed as localities (the chat then asks for a landmark).
  'large',
] as const;
type Column = (typeof DIRECTORY_CSV_COLUMNS)[number];
const optionalColumns = new Set<Column>(['ce_phone', 'se_phone', 'xen_phone', 'sdo_phone', 'je_phone', 'aliases', 'lat', 'lon', 'feeder_id', 'feeder', 'transformer_id', 'transformer']);
optionalColumns.add('large');

/** RFC 4180: commas, "quoted fields", "" for a quote inside one, line breaks inside quotes. Returns rows with the line each starts on. */
export function parseCsv(text: string): Array<{ line: number; cells: string[] }> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let index = 0; index < body.length; index++) {
    const char = body[index]!;
    if (quoted) {
      if (char === '"' && body[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        cell += char;
      }
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && body[index + 1] === '\n') index++;
      cells.push(cell);
      if (cells.some((value) => value !== '')) rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += char;
  }
  cells.push(cell);
  if (cells.some((value) => value !== '')) rows.push({ line: rowLine, cells });
  return rows;
}

export interface CsvDirectory {
  data: DirectoryData;
  /** Problems found in the rows themselves, each "line N: …". */
  problems: string[];
  rows: number;
  /** For each locality's JSON path in `data`, the line it came from (so the directory's own checks can name lines). */
  lineOfPath: Map<string, number>;
}

type Officer = { id: string; name: string; phone?: string };
type Locality = DirectoryData['zones'][number]['circles'][number]['divisions'][number]['subDivisions'][number]['localities'][number];

/** Turns the rows into directory data; `onRow` reports progress. */
export function directoryFromCsv(text: string, onRow: (done: number, total: number) => void = () => {}): CsvDirectory {
  const [header, ...rows] = parseCsv(text);
  const problems: string[] = [];
  const lineOfPath = new Map<string, number>();
  const empty: CsvDirectory = { data: { version: 1, districts: [], zones: [] }, problems, rows: rows.length, lineOfPath };
  if (!header) {
    problems.push('line 1: the file is empty (expected a header row)');
    return empty;
  }
  const columnIndex = new Map(header.cells.map((name, index) => [name.trim().toLowerCase(), index]));
  const missing = DIRECTORY_CSV_COLUMNS.filter((column) => !optionalColumns.has(column) && !columnIndex.has(column));
  if (missing.length > 0) {
    problems.push(`line 1: missing column(s) ${missing.join(', ')}`);
    return empty;
  }
  const unknown = [...columnIndex.keys()].filter((name) => !(DIRECTORY_CSV_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) problems.push(`line 1: unknown column(s) ${unknown.join(', ')} (the columns are: ${DIRECTORY_CSV_COLUMNS.join(', ')})`);

  // Each unit or officer id is defined by the first row naming it; later rows must agree.
  const firstSeen = new Map<string, { line: number; signature: string }>();
  const agree = (kind: string, id: string, signature: string, line: number): boolean => {
    const seen = firstSeen.get(`${kind}:${id}`);
    if (!seen) {
      firstSeen.set(`${kind}:${id}`, { line, signature });
      return true;
    }
    if (seen.signature !== signature) problems.push(`line ${line}: ${kind} "${id}" is given as ${signature} but as ${seen.signature} on line ${seen.line}`);
    return false;
  };

  const data: DirectoryData = { version: 1, districts: [], zones: [] };
  const zones = new Map<string, DirectoryData['zones'][number]>();
  const circles = new Map<string, DirectoryData['zones'][number]['circles'][number]>();
  const divisions = new Map<string, DirectoryData['zones'][number]['circles'][number]['divisions'][number]>();
  const subDivisions = new Map<string, DirectoryData['zones'][number]['circles'][number]['divisions'][number]['subDivisions'][number]>();
  const paths = new Map<object, string>();

  rows.forEach(({ line, cells }, rowIndex) => {
    const get = (column: Column) => (cells[columnIndex.get(column) ?? -1] ?? '').trim();
    const officer = (prefix: 'ce' | 'se' | 'xen' | 'sdo' | 'je'): Officer => {
      const found: Officer = { id: get(`${prefix}_id`), name: get(`${prefix}_name`) };
      const phone = get(`${prefix}_phone`);
      if (phone) found.phone = phone.replace(/[\s-]/g, '');
      agree('officer', found.id, JSON.stringify([found.name, found.phone ?? '']), line);
      return found;
    };
    for (const column of DIRECTORY_CSV_COLUMNS) {
      if (!optionalColumns.has(column) && get(column) === '') problems.push(`line ${line}: ${column} is empty`);
    }

    const districtId = get('district_id');
    if (agree('district', districtId, JSON.stringify([get('district'), get('district_hi')]), line)) {
      data.districts.push({ id: districtId, name: get('district'), nameHi: get('district_hi') });
    }

    const zoneId = get('zone_id');
    const ce = officer('ce');
    let zone = zones.get(zoneId);
    if (agree('zone', zoneId, JSON.stringify([get('zone'), get('zone_hi'), ce.id]), line) || !zone) {
      zone ??= { id: zoneId, name: get('zone'), nameHi: get('zone_hi'), ce, circles: [] };
      if (!zones.has(zoneId)) {
        zones.set(zoneId, zone);
        data.zones.push(zone);
        paths.set(zone, `zones[${data.zones.length - 1}]`);
      }
    }

    const circleId = get('circle_id');
    const se = officer('se');
    let circle = circles.get(circleId);
    if (agree('circle', circleId, JSON.stringify([get('circle'), get('circle_hi'), se.id, zoneId]), line) || !circle) {
      circle ??= { id: circleId, name: get('circle'), nameHi: get('circle_hi'), se, divisions: [] };
      if (!circles.has(circleId)) {
        circles.set(circleId, circle);
        zone.circles.push(circle);
        paths.set(circle, `${paths.get(zone)}.circles[${zone.circles.length - 1}]`);
      }
    }

    const divisionId = get('division_id');
    const xen = officer('xen');
    let division = divisions.get(divisionId);
    if (agree('division', divisionId, JSON.stringify([get('division'), get('division_hi'), xen.id, circleId]), line) || !division) {
      division ??= { id: divisionId, name: get('division'), nameHi: get('division_hi'), xen, subDivisions: [] };
      if (!divisions.has(divisionId)) {
        divisions.set(divisionId, division);
        circle.divisions.push(division);
        paths.set(division, `${paths.get(circle)}.divisions[${circle.divisions.length - 1}]`);
      }
    }

    const subDivisionId = get('subdivision_id');
    const sdo = officer('sdo');
    const je = officer('je');
    let subDivision = subDivisions.get(subDivisionId);
    if (agree('sub-division', subDivisionId, JSON.stringify([get('subdivision'), get('subdivision_hi'), districtId, sdo.id, je.id, divisionId]), line) || !subDivision) {
      subDivision ??= { id: subDivisionId, name: get('subdivision'), nameHi: get('subdivision_hi'), districtId, sdo, je, localities: [] };
      if (!subDivisions.has(subDivisionId)) {
        subDivisions.set(subDivisionId, subDivision);
        division.subDivisions.push(subDivision);
        paths.set(subDivision, `${paths.get(division)}.subDivisions[${division.subDivisions.length - 1}]`);
      }
    }

    const locality: Locality = { name: get('locality'), nameHi: get('locality_hi') };
    const aliases = get('aliases').split('|').map((alias) => alias.trim()).filter(Boolean);
    if (aliases.length > 0) locality.aliases = aliases;
    for (const axis of ['lat', 'lon'] as const) {
      const raw = get(axis);
      if (raw === '') continue;
      const value = Number(raw);
      if (Number.isFinite(value)) locality[axis] = value;
      else problems.push(`line ${line}: ${axis} "${raw}" is not a number`);
    }
    const large = get('large').toLowerCase();
    if (['yes', 'y', 'true', '1'].includes(large)) locality.large = true;
    else if (!['', 'no', 'n', 'false', '0'].includes(large)) problems.push(`line ${line}: large "${get('large')}" is not yes or no`);
    subDivision.localities.push(locality);
    lineOfPath.set(`${paths.get(subDivision)}.localities[${subDivision.localities.length - 1}]`, line);

    const feederId = get('feeder_id');
    if (feederId) {
      subDivision.feeders ??= [];
      let feeder = subDivision.feeders.find((candidate) => candidate.id === feederId);
      if (!feeder) subDivision.feeders.push((feeder = { id: feederId, name: get('feeder') || feederId }));
      const transformerId = get('transformer_id');
      if (transformerId) {
        feeder.transformers ??= [];
        let transformer = feeder.transformers.find((candidate) => candidate.id === transformerId);
        if (!transformer) feeder.transformers.push((transformer = { id: transformerId, name: get('transformer') || transformerId, localities: [] }));
        transformer.localities!.push(locality.name);
      }
    }
    if ((rowIndex + 1) % 250 === 0 || rowIndex + 1 === rows.length) onRow(rowIndex + 1, rows.length);
  });
  return { data, problems, rows: rows.length, lineOfPath };
}

/** "zones[0].circles[1]….localities[3].nameHi: must be…" → "line 418: locality_hi: must be…" where the path is a row's. */
export function problemWithLine(problem: string, lineOfPath: Map<string, number>): string {
  const match = /^(zones\[\d+\]\.circles\[\d+\]\.divisions\[\d+\]\.subDivisions\[\d+\]\.localities\[\d+\])(?:\.(\w+))?/.exec(problem);
  const line = match ? lineOfPath.get(match[1]!) : undefined;
  if (!match || line === undefined) return problem;
  const column = { name: 'locality', nameHi: 'locality_hi', aliases: 'aliases', lat: 'lat', lon: 'lon' }[match[2] ?? ''] ?? match[2] ?? '';
  return `line ${line}: ${column ? `${column}: ` : ''}${problem.slice(problem.indexOf(':') + 1).trim()}`;
}
