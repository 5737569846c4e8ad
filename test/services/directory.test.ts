import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { Directory, DirectoryError, OFFICER_LEVELS, type DirectoryData } from '../../services/directory.js';

const DATA_FILE = fileURLToPath(new URL('../../data/directory.lesa.json', import.meta.url));
const rawData = JSON.parse(readFileSync(DATA_FILE, 'utf8')) as DirectoryData;
const directory = Directory.fromFile(DATA_FILE);

type ZoneData = DirectoryData['zones'][number];
type CircleData = ZoneData['circles'][number];
type DivisionData = CircleData['divisions'][number];
type SubDivisionData = DivisionData['subDivisions'][number];

function everySubDivision(data: DirectoryData): Array<{ zone: ZoneData; circle: CircleData; division: DivisionData; subDivision: SubDivisionData }> {
  return data.zones.flatMap((zone) =>
    zone.circles.flatMap((circle) =>
      circle.divisions.flatMap((division) => division.subDivisions.map((subDivision) => ({ zone, circle, division, subDivision }))),
    ),
  );
}

function freshCopy(): DirectoryData {
  return structuredClone(rawData);
}

function firstSubDivision(data: DirectoryData): SubDivisionData {
  const subDivision = data.zones[0]?.circles[0]?.divisions[0]?.subDivisions[0];
  if (subDivision === undefined) throw new Error('the demo data has no sub-division');
  return subDivision;
}

function rejectionOf(data: unknown): DirectoryError {
  try {
    Directory.fromData(data);
  } catch (error) {
    if (error instanceof DirectoryError) return error;
    throw error;
  }
  throw new Error('fromData accepted invalid data');
}

describe('the demo data file', () => {
  it('validates and has the promised size', () => {
    expect(() => Directory.fromData(rawData)).not.toThrow();
    expect(rawData.note).toMatch(/^Demo data: fictional officers/);
    const subDivisions = everySubDivision(rawData);
    expect(rawData.zones).toHaveLength(2);
    expect(rawData.zones.flatMap((zone) => zone.circles)).toHaveLength(4);
    expect(new Set(subDivisions.map(({ division }) => division.id)).size).toBeGreaterThanOrEqual(10);
    expect(subDivisions.length).toBeGreaterThanOrEqual(25);
    expect(directory.localities().length).toBeGreaterThanOrEqual(100);
    expect(directory.districts()).toEqual(['Lucknow']);
  });

  it('gives every locality a Hindi name and its sub-division', () => {
    for (const locality of directory.localities()) {
      expect(locality.nameHi).toMatch(/\p{Script=Devanagari}/u);
      expect(() => directory.officerFor(locality.subDivisionId, 'JE')).not.toThrow();
    }
  });

  it('carries no phone numbers and marks every officer as a demo', () => {
    const text = readFileSync(DATA_FILE, 'utf8');
    expect(text).not.toMatch(/"(phone|mobile)\w*"\s*:|\d{10}/i);
    for (const { zone, circle, division, subDivision } of everySubDivision(rawData)) {
      for (const officer of [zone.ce, circle.se, division.xen, subDivision.sdo, subDivision.je]) expect(officer.name).toMatch(/\(Demo\)$/);
    }
  });

  it('is what loadDefault reads, unless DIRECTORY_FILE points elsewhere', () => {
    expect(Directory.loadDefault().localities()).toEqual(directory.localities());

    const folder = mkdtempSync(join(tmpdir(), 'directory-test-'));
    const smallData = freshCopy();
    smallData.zones = smallData.zones.slice(0, 1);
    const smallFile = join(folder, 'small.json');
    writeFileSync(smallFile, JSON.stringify(smallData));
    const previous = process.env.DIRECTORY_FILE;
    process.env.DIRECTORY_FILE = smallFile;
    try {
      const small = Directory.loadDefault();
      expect(small.localities().length).toBeLessThan(directory.localities().length);
      expect(small.resolvePlace({ locality: 'Aminabad' })).toBeUndefined();
      expect(small.resolvePlace({ locality: 'Aliganj' })?.subDivisionId).toBe('sd-aliganj');
    } finally {
      if (previous === undefined) delete process.env.DIRECTORY_FILE;
      else process.env.DIRECTORY_FILE = previous;
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('officers', () => {
  it('every sub-division has its JE and SDO and a chain up to the CE', () => {
    for (const { zone, circle, division, subDivision } of everySubDivision(rawData)) {
      const expectedIds = { JE: subDivision.je.id, SDO: subDivision.sdo.id, XEN: division.xen.id, SE: circle.se.id, CE: zone.ce.id };
      for (const level of OFFICER_LEVELS) {
        const officer = directory.officerFor(subDivision.id, level);
        expect(officer.level).toBe(level);
        expect(officer.id).toBe(expectedIds[level]);
        expect(officer.name).not.toBe('');
        expect(directory.subDivisionIdsUnder(officer.id)).toContain(subDivision.id);
      }
    }
  });

  it('officerFor names the right officer at each level for Gomti Nagar', () => {
    expect(directory.officerFor('sd-gomti-nagar', 'JE')).toMatchObject({ id: 'je-gomti-nagar-1', level: 'JE' });
    expect(directory.officerFor('sd-gomti-nagar', 'SDO')).toMatchObject({ id: 'sdo-gomti-nagar', level: 'SDO' });
    expect(directory.officerFor('sd-gomti-nagar', 'XEN')).toMatchObject({ id: 'xen-gomti-nagar', level: 'XEN' });
    expect(directory.officerFor('sd-gomti-nagar', 'SE')).toMatchObject({ id: 'se-circle-lko-gomti-nagar', level: 'SE' });
    expect(directory.officerFor('sd-gomti-nagar', 'CE')).toMatchObject({ id: 'ce-lesa-trans-gomti', level: 'CE' });
    expect(directory.officerFor('sd-chowk', 'CE').id).toBe('ce-lesa-cis-gomti');
  });

  it('officerFor refuses an unknown sub-division', () => {
    expect(() => directory.officerFor('sd-atlantis', 'JE')).toThrow(DirectoryError);
    expect(() => directory.officerFor('sd-atlantis', 'JE')).toThrow(/sd-atlantis/);
  });

  it('officerById describes the area an officer heads, down to their own level only', () => {
    expect(directory.officerById('ce-lesa-trans-gomti')).toMatchObject({ level: 'CE', area: { zone: 'LESA Trans-Gomti' } });
    expect(directory.officerById('ce-lesa-trans-gomti')?.area.circle).toBeUndefined();
    expect(directory.officerById('se-circle-lko-hazratganj')?.area).toEqual({ zone: 'LESA Cis-Gomti', circle: 'Hazratganj Circle' });
    expect(directory.officerById('xen-gomti-nagar')?.area).toEqual({ zone: 'LESA Trans-Gomti', circle: 'Gomti Nagar Circle', division: 'Gomti Nagar' });
    expect(directory.officerById('je-chinhat-1')).toMatchObject({
      level: 'JE',
      area: { zone: 'LESA Trans-Gomti', circle: 'Gomti Nagar Circle', division: 'Indira Nagar', subDivision: 'Chinhat' },
    });
    expect(directory.officerById('nobody')).toBeUndefined();
  });

  it('officerById hands out copies, so callers cannot change the directory', () => {
    const officer = directory.officerById('xen-gomti-nagar');
    if (officer === undefined) throw new Error('xen-gomti-nagar is missing');
    officer.area.zone = 'Elsewhere';
    expect(directory.officerById('xen-gomti-nagar')?.area.zone).toBe('LESA Trans-Gomti');
  });
});

describe('subDivisionIdsUnder', () => {
  it('for an XEN is exactly that division’s sub-divisions', () => {
    expect([...directory.subDivisionIdsUnder('xen-gomti-nagar')].sort()).toEqual(['sd-gomti-nagar', 'sd-gomti-nagar-extension', 'sd-vibhuti-khand']);
    for (const { division } of everySubDivision(rawData)) {
      expect([...directory.subDivisionIdsUnder(division.xen.id)].sort()).toEqual(division.subDivisions.map((subDivision) => subDivision.id).sort());
    }
  });

  it('for JE and SDO is their own sub-division; for SE and CE everything below them', () => {
    expect(directory.subDivisionIdsUnder('je-chowk-1')).toEqual(['sd-chowk']);
    expect(directory.subDivisionIdsUnder('sdo-chowk')).toEqual(['sd-chowk']);
    const transGomti = rawData.zones.find((zone) => zone.id === 'lesa-trans-gomti');
    const transGomtiIds = everySubDivision(rawData).filter(({ zone }) => zone === transGomti).map(({ subDivision }) => subDivision.id);
    expect([...directory.subDivisionIdsUnder('ce-lesa-trans-gomti')].sort()).toEqual(transGomtiIds.sort());
    expect(directory.subDivisionIdsUnder('ce-lesa-trans-gomti')).not.toContain('sd-chowk');
    expect(directory.subDivisionIdsUnder('se-circle-lko-hazratganj')).toEqual(
      expect.arrayContaining(['sd-hazratganj', 'sd-qaiserbagh', 'sd-aminabad', 'sd-chowk', 'sd-aishbagh', 'sd-charbagh']),
    );
    expect(directory.subDivisionIdsUnder('se-circle-lko-hazratganj')).toHaveLength(6);
  });

  it('is empty for an unknown officer, who may act on nothing', () => {
    expect(directory.subDivisionIdsUnder('xen-atlantis')).toEqual([]);
  });
});

describe('resolvePlace', () => {
  it('matches a locality by English name, Hindi name and alias', () => {
    expect(directory.resolvePlace({ locality: 'Gomti Nagar' })).toEqual({
      district: 'Lucknow',
      zone: 'LESA Trans-Gomti',
      circle: 'Gomti Nagar Circle',
      division: 'Gomti Nagar',
      subDivision: 'Gomti Nagar',
      subDivisionId: 'sd-gomti-nagar',
      locality: 'Gomti Nagar',
    });
    expect(directory.resolvePlace({ locality: 'गोमती नगर' })?.subDivisionId).toBe('sd-gomti-nagar');
    expect(directory.resolvePlace({ locality: 'gomtinagar' })?.subDivisionId).toBe('sd-gomti-nagar');
    expect(directory.resolvePlace({ locality: 'kaiserbagh' })).toMatchObject({ subDivisionId: 'sd-qaiserbagh', locality: 'Qaiserbagh' });
    expect(directory.resolvePlace({ locality: 'bkt' })).toMatchObject({ subDivisionId: 'sd-gudamba', locality: 'Bakshi Ka Talab' });
  });

  it('ignores case, spaces, punctuation and Devanagari spelling variants', () => {
    expect(directory.resolvePlace({ locality: '  GOMTI-nagar!! ' })?.locality).toBe('Gomti Nagar');
    expect(directory.resolvePlace({ locality: 'गोमतीनगर' })?.locality).toBe('Gomti Nagar');
    expect(directory.resolvePlace({ locality: 'हज़रतगंज' })?.locality).toBe('Hazratganj');
    expect(directory.resolvePlace({ locality: 'मडियांव' })?.locality).toBe('Madiyaon');
    expect(directory.resolvePlace({ locality: 'उजरियाँव' })?.locality).toBe('Ujariyaon');
    expect(directory.resolvePlace({ locality: 'इन्दिरा नगर' })?.locality).toBe('Indira Nagar');
    expect(directory.resolvePlace({ locality: 'पेपर मिल कालोनी' })?.locality).toBe('Paper Mill Colony');
    expect(directory.resolvePlace({ locality: 'L.D.A. Colony' })?.locality).toBe('LDA Colony');
  });

  it('matches a sub-division by name, Hindi name and alias, without claiming a locality', () => {
    expect(directory.resolvePlace({ subDivision: 'Chinhat' })).toEqual({
      district: 'Lucknow',
      zone: 'LESA Trans-Gomti',
      circle: 'Gomti Nagar Circle',
      division: 'Indira Nagar',
      subDivision: 'Chinhat',
      subDivisionId: 'sd-chinhat',
    });
    expect(directory.resolvePlace({ subDivision: 'चिनहट' })?.subDivisionId).toBe('sd-chinhat');
    expect(directory.resolvePlace({ subDivision: 'kapurthala' })?.subDivisionId).toBe('sd-kapoorthala');
  });

  it('lets locality win over sub-division, and sub-division over division', () => {
    expect(directory.resolvePlace({ locality: 'Hazratganj', subDivision: 'Chinhat', division: 'Aliganj' })?.subDivisionId).toBe('sd-hazratganj');
    expect(directory.resolvePlace({ subDivision: 'Telibagh', division: 'Aliganj' })?.subDivisionId).toBe('sd-telibagh');
  });

  it('falls back to the sub-division when the locality is unknown', () => {
    expect(directory.resolvePlace({ locality: 'Nowhere Colony', subDivision: 'Telibagh' })).toMatchObject({ subDivisionId: 'sd-telibagh' });
    expect(directory.resolvePlace({ locality: 'Nowhere Colony', subDivision: 'Telibagh' })?.locality).toBeUndefined();
  });

  it('finds a locality inside an address line given as the locality', () => {
    expect(directory.resolvePlace({ locality: 'B-12, Vibhuti Khand' })?.subDivisionId).toBe('sd-vibhuti-khand');
  });

  it('returns undefined when nothing identifies a single sub-division', () => {
    expect(directory.resolvePlace({ district: 'Lucknow' })).toBeUndefined();
    expect(directory.resolvePlace({ district: 'लखनऊ' })).toBeUndefined();
    expect(directory.resolvePlace({})).toBeUndefined();
    expect(directory.resolvePlace({ locality: '   ' })).toBeUndefined();
    expect(directory.resolvePlace({ locality: 'Nowhere Colony' })).toBeUndefined();
    // Every demo division has several sub-divisions, so a division alone is not enough.
    expect(directory.resolvePlace({ division: 'Gomti Nagar' })).toBeUndefined();
  });

  it('accepts the district in any spelling, and never routes a place in an unknown district', () => {
    expect(directory.resolvePlace({ district: 'lko', locality: 'Aminabad' })?.subDivisionId).toBe('sd-aminabad');
    expect(directory.resolvePlace({ district: 'लखनऊ', locality: 'अमीनाबाद' })?.subDivisionId).toBe('sd-aminabad');
    expect(directory.resolvePlace({ district: 'Kanpur', locality: 'Aminabad' })).toBeUndefined();
  });

  it('resolves a division that has a single sub-division', () => {
    const data = freshCopy();
    const firstDivision = data.zones[0]?.circles[0]?.divisions[0];
    if (firstDivision === undefined) throw new Error('the demo data has no division');
    firstDivision.subDivisions = firstDivision.subDivisions.slice(0, 1);
    const small = Directory.fromData(data);
    expect(small.resolvePlace({ division: firstDivision.name })?.subDivisionId).toBe(firstDivision.subDivisions[0]?.id);
    expect(small.resolvePlace({ division: firstDivision.nameHi })?.subDivisionId).toBe(firstDivision.subDivisions[0]?.id);
  });
});

describe('findLocalityInText', () => {
  it('finds a locality in Hinglish', () => {
    expect(directory.findLocalityInText('light nahi aa rahi gomti nagar sector 4 mein')?.locality).toBe('Gomti Nagar');
    expect(directory.findLocalityInText('bhaiya tedhi pulia ke paas 3 ghante se bijli gayab hai')?.subDivisionId).toBe('sd-vikas-nagar');
  });

  it('finds a locality in Hindi', () => {
    expect(directory.findLocalityInText('मेरे घर गोमती नगर में दो दिन से बिजली नहीं है।')?.locality).toBe('Gomti Nagar');
    expect(directory.findLocalityInText('आलमबाग में ट्रांसफार्मर जल गया')?.subDivisionId).toBe('sd-alambagh');
  });

  it('finds a locality in English', () => {
    expect(directory.findLocalityInText('There has been no power in Aminabad since morning.')?.subDivisionId).toBe('sd-aminabad');
    expect(directory.findLocalityInText('Sparking wire near the Bakshi Ka Talab market')?.locality).toBe('Bakshi Ka Talab');
  });

  it('prefers the longest match', () => {
    expect(directory.findLocalityInText('gomti nagar extension mein transformer jal gaya')?.locality).toBe('Gomti Nagar Extension');
    expect(directory.findLocalityInText('जानकीपुरम विस्तार में लाइट नहीं')?.locality).toBe('Jankipuram Extension');
  });

  it('returns undefined when no known locality is mentioned', () => {
    expect(directory.findLocalityInText('light nahi aa rahi hai, please help')).toBeUndefined();
    expect(directory.findLocalityInText('')).toBeUndefined();
  });
});

describe('fromData rejects bad data', () => {
  it('rejects something that is not a directory at all', () => {
    expect(rejectionOf(null).message).toMatch(/\(root\)/);
    expect(rejectionOf({}).problems).toEqual(expect.arrayContaining([expect.stringMatching(/^zones: /), expect.stringMatching(/^districts: /)]));
  });

  it('rejects duplicate ids, naming both places', () => {
    const data = freshCopy();
    const subDivision = firstSubDivision(data);
    subDivision.je.id = subDivision.sdo.id;
    const error = rejectionOf(data);
    expect(error.message).toContain(`duplicate id "${subDivision.sdo.id}"`);
    expect(error.message).toContain('zones[0].circles[0].divisions[0].subDivisions[0].je.id');
    expect(error.message).toContain('zones[0].circles[0].divisions[0].subDivisions[0].sdo.id');
  });

  it('rejects a sub-division that refers to an unknown district', () => {
    const data = freshCopy();
    firstSubDivision(data).districtId = 'kanpur';
    const error = rejectionOf(data);
    expect(error.message).toMatch(/zones\[0\]\.circles\[0\]\.divisions\[0\]\.subDivisions\[0\]\.districtId: unknown district "kanpur"/);
  });

  it('rejects a sub-division with a level missing', () => {
    const data = freshCopy();
    Reflect.deleteProperty(firstSubDivision(data), 'je');
    const error = rejectionOf(data);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('zones[0].circles[0].divisions[0].subDivisions[0].je: missing');
  });

  it('rejects a division without its XEN', () => {
    const data = freshCopy();
    const division = data.zones[1]?.circles[0]?.divisions[0];
    if (division === undefined) throw new Error('the demo data has no second zone');
    Reflect.deleteProperty(division, 'xen');
    expect(rejectionOf(data).message).toContain('zones[1].circles[0].divisions[0].xen: missing');
  });

  it('rejects a locality name that already belongs to another sub-division', () => {
    const data = freshCopy();
    const localities = firstSubDivision(data).localities;
    localities.push({ name: 'Aminabad Market', nameHi: 'अमीनाबाद' });
    const addedPath = `zones[0].circles[0].divisions[0].subDivisions[0].localities[${localities.length - 1}]`;
    const error = rejectionOf(data);
    expect(error.message).toMatch(/: "अमीनाबाद" is also a name of /);
    expect(error.message).toContain(addedPath);
    expect(error.message).toContain(`${addedPath}.nameHi: "अमीनाबाद" is also the name of sub-division "sd-aminabad"`);
  });

  it('rejects English text in a Hindi name field and unknown keys', () => {
    const data = freshCopy();
    const subDivision = firstSubDivision(data);
    subDivision.nameHi = subDivision.name;
    Object.assign(subDivision, { phone: '0000000000' });
    const error = rejectionOf(data);
    expect(error.message).toContain('zones[0].circles[0].divisions[0].subDivisions[0].nameHi: must be written in Devanagari');
    expect(error.message).toMatch(/zones\[0\]\.circles\[0\]\.divisions\[0\]\.subDivisions\[0\]: .*phone/);
  });

  it('names every problem at once', () => {
    const data = freshCopy();
    const subDivision = firstSubDivision(data);
    subDivision.districtId = 'kanpur';
    subDivision.je.id = subDivision.sdo.id;
    const error = rejectionOf(data);
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('unknown district "kanpur"');
    expect(error.message).toContain('duplicate id');
  });

  it('fromFile reports an unreadable or malformed file as a DirectoryError', () => {
    const folder = mkdtempSync(join(tmpdir(), 'directory-test-'));
    try {
      const brokenFile = join(folder, 'broken.json');
      writeFileSync(brokenFile, '{ "zones": [');
      expect(() => Directory.fromFile(brokenFile)).toThrow(DirectoryError);
      expect(() => Directory.fromFile(brokenFile)).toThrow(/not valid JSON/);
      expect(() => Directory.fromFile(join(folder, 'missing.json'))).toThrow(DirectoryError);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('Hindi names for replies', () => {
  const directory = Directory.loadDefault();
  it('gives the Hindi name of a district, sub-division or locality by its English name', () => {
    expect(directory.hindiNameOf('Lucknow')).toBe('लखनऊ');
    expect(directory.hindiNameOf('Gomti Nagar')).toBe('गोमती नगर');
    expect(directory.hindiNameOf('Somewhere Else')).toBeUndefined();
  });
});
