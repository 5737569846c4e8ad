// The directory of places and officers: which sub-division serves a place, and who its JE / SDO / XEN / SE / CE is.
// The data file is validated completely at load time, so a bad edit fails at start-up with every problem listed
// instead of surfacing later as a complaint routed to nobody (or to the wrong officer).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OFFICER_LEVELS, type OfficerLevel } from '../models/ticketTypes.js';

export { OFFICER_LEVELS, type OfficerLevel };

export interface Officer {
  id: string;
  name: string;
  level: OfficerLevel;
}

/** A place resolved to the sub-division that serves it. */
export interface ResolvedPlace {
  district: string;
  zone: string;
  circle: string;
  division: string;
  subDivision: string;
  subDivisionId: string;
  locality?: string;
}

/**
 * A feeder, or a distribution transformer on one, that the directory knows (where the utility's records give them):
 * the localities it supplies (a feeder: those of its transformers) and the sub-division it is in.
 */
export interface ElectricalArea {
  kind: 'feeder' | 'transformer';
  id: string;
  name: string;
  /** For a transformer, the feeder it hangs on. */
  feeder?: { id: string; name: string };
  localities: string[];
  place: ResolvedPlace;
}

/** The unit an officer heads; fields below the officer's own level are absent. */
export interface OfficerArea {
  zone: string;
  circle?: string;
  division?: string;
  subDivision?: string;
}

export class DirectoryError extends Error {
  /** One entry per problem, each "<path in the JSON>: <what is wrong>", so tooling can show them separately. */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// File format

const idSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'an id is lowercase letters and digits joined by single hyphens, e.g. "sd-gomti-nagar"');
const nameSchema = z.string().trim().min(1, 'must not be empty');
// Catches the easy slip of swapping the English and Hindi fields.
const hindiNameSchema = nameSchema.regex(/\p{Script=Devanagari}/u, 'must be written in Devanagari');
const aliasesSchema = z.array(nameSchema).optional();
// An officer's contact number (for officer notifications and the consumer's escalation notices): an Indian mobile.
const officerPhoneSchema = z.string().regex(/^\+91[6-9]\d{9}$/, 'a contact number is +91 and a 10-digit mobile, e.g. +919876543210');
const officerSchema = z.strictObject({ id: idSchema, name: nameSchema, phone: officerPhoneSchema.optional() });

// Coordinates within India's bounding box: a swapped latitude/longitude or a sign slip fails here, not on a map.
const latitudeSchema = z.number().min(6).max(37.5);
const longitudeSchema = z.number().min(68).max(97.5);
// `large`: a planned colony split into sectors or blocks the directory does not list as localities of their own
// (Indira Nagar, Vikas Nagar…): its name alone does not tell a lineman where to go, so the chat asks for a landmark.
const localitySchema = z.strictObject({
  name: nameSchema,
  nameHi: hindiNameSchema,
  aliases: aliasesSchema,
  lat: latitudeSchema.optional(),
  lon: longitudeSchema.optional(),
  large: z.boolean().optional(),
});

// Feeders and the distribution transformers on them, where the utility's records give them (incidents can name them).
const transformerSchema = z.strictObject({ id: idSchema, name: nameSchema, localities: z.array(nameSchema).optional() });
const feederSchema = z.strictObject({ id: idSchema, name: nameSchema, transformers: z.array(transformerSchema).optional() });

const subDivisionSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  nameHi: hindiNameSchema,
  aliases: aliasesSchema,
  districtId: idSchema,
  sdo: officerSchema,
  je: officerSchema,
  localities: z.array(localitySchema).min(1, 'a sub-division needs at least one locality'),
  feeders: z.array(feederSchema).optional(),
});

const divisionSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  nameHi: hindiNameSchema,
  aliases: aliasesSchema,
  xen: officerSchema,
  subDivisions: z.array(subDivisionSchema).min(1, 'a division needs at least one sub-division'),
});

const circleSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  nameHi: hindiNameSchema,
  se: officerSchema,
  divisions: z.array(divisionSchema).min(1, 'a circle needs at least one division'),
});

const zoneSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  nameHi: hindiNameSchema,
  ce: officerSchema,
  circles: z.array(circleSchema).min(1, 'a zone needs at least one circle'),
});

const districtSchema = z.strictObject({ id: idSchema, name: nameSchema, nameHi: hindiNameSchema, aliases: aliasesSchema });

const directoryFileSchema = z.strictObject({
  note: z.string().optional(),
  version: z.literal(1),
  utility: z
    .strictObject({
      name: nameSchema,
      shortName: nameSchema,
      nameHi: hindiNameSchema,
      discom: nameSchema,
      discomShortName: nameSchema,
    })
    .optional(),
  districts: z.array(districtSchema).min(1, 'at least one district is needed'),
  zones: z.array(zoneSchema).min(1, 'at least one zone is needed'),
});

/** The shape of a directory data file (as written, before validation). */
export type DirectoryData = z.input<typeof directoryFileSchema>;
type ValidDirectoryData = z.output<typeof directoryFileSchema>;
type DivisionData = z.output<typeof divisionSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Name matching

const NUKTA = /\u093C/g;
const LATIN_COMBINING_MARKS = /[\u0300-\u036F]/g;
const CHANDRABINDU = /\u0901/g;
const ANUSVARA = '\u0902';
// कॉलोनी and कालोनी are the same word; the candra-O is an English borrowing people type either way.
const CANDRA_O_SIGN = /\u0949/g;
const CANDRA_O_LETTER = /\u0911/g;
// A half nasal before a consonant is written either way (इन्दिरा / इंदिरा, कैम्पबेल / कैंपबेल).
const HALF_NASAL_BEFORE_CONSONANT = /[\u0919\u091E\u0923\u0928\u092E]\u094D(?=[\u0915-\u0939])/g;
const NOT_NAME_CHARACTER = /[^\p{L}\p{M}\p{N}]/gu;
// Format characters (ZWJ / ZWNJ) sit inside Devanagari words, so they must not split them.
const WORD_SEPARATOR = /[^\p{L}\p{M}\p{N}\p{Cf}]+/u;

/** The key under which a place name is matched: case, spacing, punctuation and common Devanagari spelling variants erased. */
export function normalisePlaceName(text: string): string {
  return text
    .normalize('NFD')
    .replace(NUKTA, '')
    .replace(LATIN_COMBINING_MARKS, '')
    .normalize('NFC')
    .toLowerCase()
    .replace(CHANDRABINDU, ANUSVARA)
    .replace(CANDRA_O_SIGN, '\u093E')
    .replace(CANDRA_O_LETTER, '\u0906')
    .replace(NOT_NAME_CHARACTER, '')
    .replace(HALF_NASAL_BEFORE_CONSONANT, ANUSVARA);
}

function wordsOf(text: string): string[] {
  return text.split(WORD_SEPARATOR).filter((word) => word !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Indexes

interface DistrictEntry {
  id: string;
  name: string;
}

interface SubDivisionEntry {
  id: string;
  districtId: string;
  divisionId: string;
  place: Readonly<ResolvedPlace>;
  officers: Readonly<Record<OfficerLevel, Officer>>;
}

interface DivisionEntry {
  id: string;
  districtIds: ReadonlySet<string>;
  subDivisions: SubDivisionEntry[];
}

interface LocalityEntry {
  name: string;
  nameHi: string;
  subDivision: SubDivisionEntry;
}

interface OfficerEntry {
  officer: Officer;
  area: OfficerArea;
  subDivisionIds: string[];
}

/** What a name points at, plus enough to tell whether two same-named things are a real ambiguity. */
interface NamedEntry<T> {
  entry: T;
  ownerKey: string;
  districtIds: ReadonlySet<string>;
  path: string;
}

type NameIndex<T> = Map<string, Array<NamedEntry<T>>>;

// District names must be unique outright, so for clash checks every district counts as being in the same place.
const EVERY_DISTRICT: ReadonlySet<string> = new Set(['*']);

function sharesDistrict(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const districtId of a) if (b.has(districtId)) return true;
  return false;
}

function inDistrict<T>(named: Array<NamedEntry<T>> | undefined, districtId: string | undefined): T[] {
  if (named === undefined) return [];
  return named.filter((item) => districtId === undefined || item.districtIds.has(districtId)).map((item) => item.entry);
}

function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const key of path) {
    if (typeof key === 'number') formatted += `[${key}]`;
    else formatted += formatted === '' ? String(key) : `.${String(key)}`;
  }
  return formatted === '' ? '(root)' : formatted;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // Zod's wording for an absent field ("expected object, received undefined") hides the simple fact.
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return `${formatPath(issue.path)}: ${missing ? `missing (expected ${issue.expected})` : issue.message}`;
}

function hasText(value: string | undefined): value is string {
  return value !== undefined && normalisePlaceName(value) !== '';
}

export class Directory {
  private readonly districtList: DistrictEntry[] = [];
  private readonly subDivisionsById = new Map<string, SubDivisionEntry>();
  private readonly officersById = new Map<string, OfficerEntry>();
  private readonly localityList: LocalityEntry[] = [];
  /** Localities flagged `large` in the data (sectors/blocks not listed separately), by canonical name. */
  private readonly largeLocalities = new Set<string>();
  private readonly districtsByName: NameIndex<DistrictEntry> = new Map();
  private readonly divisionsByName: NameIndex<DivisionEntry> = new Map();
  private readonly subDivisionsByName: NameIndex<SubDivisionEntry> = new Map();
  private readonly localitiesByName: NameIndex<LocalityEntry> = new Map();
  /** Bounds the n-grams tried on free text: no locality name is longer than this many words. */
  private longestLocalityWords = 1;
  /** Canonical English place name → its Hindi name, so Hindi replies name places in Devanagari. */
  private readonly hindiNames = new Map<string, string>();
  /** The validated data this directory was built from (for exports, imports' dry runs and transfers). */
  private data!: ValidDirectoryData;

  static fromFile(path: string): Directory {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new DirectoryError(`Cannot read directory file ${path}: ${(error as Error).message}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new DirectoryError(`Directory file ${path} is not valid JSON: ${(error as Error).message}`);
    }
    return Directory.validate(data, `directory file ${path}`);
  }

  static fromData(data: unknown): Directory {
    return Directory.validate(data, 'directory data');
  }

  static loadDefault(): Directory {
    const configured = process.env.DIRECTORY_FILE;
    const path =
      configured !== undefined && configured.trim() !== ''
        ? configured
        : fileURLToPath(new URL('../data/directory.lesa.json', import.meta.url));
    return Directory.fromFile(path);
  }

  private static validate(data: unknown, source: string): Directory {
    const parsed = directoryFileSchema.safeParse(data, { reportInput: true });
    const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue);
    // Cross-references and name clashes only make sense once the shape is right.
    const directory = parsed.success ? new Directory(parsed.data, problems) : undefined;
    if (directory === undefined || problems.length > 0) {
      throw new DirectoryError(
        `Invalid ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((problem) => `- ${problem}`).join('\n')}`,
        problems,
      );
    }
    return directory;
  }

  private constructor(data: ValidDirectoryData, problems: string[]) {
    this.data = data;
    const firstUseOfId = new Map<string, string>();
    const claimId = (id: string, path: string): void => {
      const firstPath = firstUseOfId.get(id);
      if (firstPath === undefined) firstUseOfId.set(id, path);
      else problems.push(`${path}: duplicate id "${id}" (already used at ${firstPath})`);
    };

    const districtsById = new Map<string, DistrictEntry>();
    data.districts.forEach((district, index) => {
      const path = `districts[${index}]`;
      claimId(district.id, `${path}.id`);
      const entry: DistrictEntry = { id: district.id, name: district.name };
      districtsById.set(district.id, entry);
      this.districtList.push(entry);
      this.hindiNames.set(district.name, district.nameHi);
      this.indexNames(this.districtsByName, district, entry, district.id, EVERY_DISTRICT, path, problems);
    });

    const localityNamesToCheck: Array<{ key: string; name: string; locality: LocalityEntry; path: string }> = [];
    const divisions: Array<{ entry: DivisionEntry; districtIds: Set<string>; data: DivisionData; path: string }> = [];

    data.zones.forEach((zone, zoneIndex) => {
      const zonePath = `zones[${zoneIndex}]`;
      claimId(zone.id, `${zonePath}.id`);
      const zoneOfficer = this.addOfficer(zone.ce, 'CE', { zone: zone.name }, `${zonePath}.ce`, claimId);

      zone.circles.forEach((circle, circleIndex) => {
        const circlePath = `${zonePath}.circles[${circleIndex}]`;
        claimId(circle.id, `${circlePath}.id`);
        const circleOfficer = this.addOfficer(circle.se, 'SE', { zone: zone.name, circle: circle.name }, `${circlePath}.se`, claimId);

        circle.divisions.forEach((division, divisionIndex) => {
          const divisionPath = `${circlePath}.divisions[${divisionIndex}]`;
          claimId(division.id, `${divisionPath}.id`);
          const divisionArea = { zone: zone.name, circle: circle.name, division: division.name };
          const divisionOfficer = this.addOfficer(division.xen, 'XEN', divisionArea, `${divisionPath}.xen`, claimId);
          const divisionDistrictIds = new Set<string>();
          const divisionEntry: DivisionEntry = { id: division.id, districtIds: divisionDistrictIds, subDivisions: [] };
          divisions.push({ entry: divisionEntry, districtIds: divisionDistrictIds, data: division, path: divisionPath });

          division.subDivisions.forEach((subDivision, subDivisionIndex) => {
            const subDivisionPath = `${divisionPath}.subDivisions[${subDivisionIndex}]`;
            claimId(subDivision.id, `${subDivisionPath}.id`);
            const district = districtsById.get(subDivision.districtId);
            if (district === undefined) {
              const known = [...districtsById.keys()].map((id) => `"${id}"`).join(', ');
              problems.push(`${subDivisionPath}.districtId: unknown district "${subDivision.districtId}" (known: ${known})`);
            }
            const subDivisionArea = { ...divisionArea, subDivision: subDivision.name };
            const sdo = this.addOfficer(subDivision.sdo, 'SDO', subDivisionArea, `${subDivisionPath}.sdo`, claimId);
            const je = this.addOfficer(subDivision.je, 'JE', subDivisionArea, `${subDivisionPath}.je`, claimId);
            const subDivisionEntry: SubDivisionEntry = {
              id: subDivision.id,
              districtId: subDivision.districtId,
              divisionId: division.id,
              place: {
                district: district?.name ?? subDivision.districtId,
                zone: zone.name,
                circle: circle.name,
                division: division.name,
                subDivision: subDivision.name,
                subDivisionId: subDivision.id,
              },
              officers: {
                JE: je.officer,
                SDO: sdo.officer,
                XEN: divisionOfficer.officer,
                SE: circleOfficer.officer,
                CE: zoneOfficer.officer,
              },
            };
            // A later duplicate id is already reported; keeping the first keeps lookups deterministic.
            if (!this.subDivisionsById.has(subDivision.id)) this.subDivisionsById.set(subDivision.id, subDivisionEntry);
            divisionEntry.subDivisions.push(subDivisionEntry);
            divisionDistrictIds.add(subDivision.districtId);
            for (const officer of [zoneOfficer, circleOfficer, divisionOfficer, sdo, je]) officer.subDivisionIds.push(subDivision.id);

            const districtSet = new Set([subDivision.districtId]);
            this.hindiNames.set(subDivision.name, subDivision.nameHi);
            this.indexNames(this.subDivisionsByName, subDivision, subDivisionEntry, subDivision.id, districtSet, subDivisionPath, problems);

            subDivision.localities.forEach((locality, localityIndex) => {
              const localityPath = `${subDivisionPath}.localities[${localityIndex}]`;
              const localityEntry: LocalityEntry = { name: locality.name, nameHi: locality.nameHi, subDivision: subDivisionEntry };
              this.localityList.push(localityEntry);
              if (locality.large) this.largeLocalities.add(locality.name);
              this.hindiNames.set(locality.name, locality.nameHi);
              const added = this.indexNames(this.localitiesByName, locality, localityEntry, localityPath, districtSet, localityPath, problems);
              for (const { key, name, path } of added) localityNamesToCheck.push({ key, name, locality: localityEntry, path });
              for (const name of [locality.name, locality.nameHi, ...(locality.aliases ?? [])]) {
                this.longestLocalityWords = Math.max(this.longestLocalityWords, wordsOf(name).length);
              }
            });
            // A transformer supplies localities of its own sub-division: an incident on it links their complaints.
            const ownLocalities = new Set(subDivision.localities.map((locality) => locality.name));
            (subDivision.feeders ?? []).forEach((feeder, feederIndex) => {
              (feeder.transformers ?? []).forEach((transformer, transformerIndex) => {
                const transformerPath = `${subDivisionPath}.feeders[${feederIndex}].transformers[${transformerIndex}]`;
                (transformer.localities ?? []).forEach((name, index) => {
                  if (!ownLocalities.has(name)) problems.push(`${transformerPath}.localities[${index}]: "${name}" is not a locality of sub-division "${subDivision.id}"`);
                });
              });
            });
          });
        });
      });
    });

    // Division names are indexed last because a division's districts are known only after its sub-divisions.
    for (const division of divisions) {
      this.indexNames(this.divisionsByName, division.data, division.entry, division.entry.id, division.entry.districtIds, division.path, problems);
    }

    // A locality named like another unit would send the same words to different officers depending on which form
    // field they were typed into.
    for (const { key, name, locality, path } of localityNamesToCheck) {
      const districtSet = new Set([locality.subDivision.districtId]);
      for (const other of this.subDivisionsByName.get(key) ?? []) {
        if (other.entry.id !== locality.subDivision.id && sharesDistrict(other.districtIds, districtSet)) {
          problems.push(`${path}: "${name}" is also the name of sub-division "${other.entry.id}" (${other.path}), which does not serve this locality`);
        }
      }
      for (const other of this.divisionsByName.get(key) ?? []) {
        if (other.entry.id !== locality.subDivision.divisionId && sharesDistrict(other.districtIds, districtSet)) {
          problems.push(`${path}: "${name}" is also the name of division "${other.entry.id}" (${other.path}), which does not serve this locality`);
        }
      }
    }
  }

  /** Adds every name of a unit to an index, reporting names that would make a place ambiguous. Returns what was added. */
  private indexNames<T>(
    index: NameIndex<T>,
    names: { name: string; nameHi: string; aliases?: string[] | undefined },
    entry: T,
    ownerKey: string,
    districtIds: ReadonlySet<string>,
    path: string,
    problems: string[],
  ): Array<{ key: string; name: string; path: string }> {
    const labelled: Array<[string, string]> = [
      [names.name, `${path}.name`],
      [names.nameHi, `${path}.nameHi`],
      ...(names.aliases ?? []).map((alias, aliasIndex): [string, string] => [alias, `${path}.aliases[${aliasIndex}]`]),
    ];
    const added: Array<{ key: string; name: string; path: string }> = [];
    for (const [name, namePath] of labelled) {
      const key = normalisePlaceName(name);
      if (key === '') {
        problems.push(`${namePath}: "${name}" has no letters or digits to match on`);
        continue;
      }
      const existing = index.get(key) ?? [];
      // The same unit spelling itself twice (an alias that normalises to its name) is harmless.
      if (existing.some((item) => item.ownerKey === ownerKey)) continue;
      for (const item of existing) {
        if (sharesDistrict(item.districtIds, districtIds)) {
          problems.push(`${namePath}: "${name}" is also a name of ${item.path}; one name must identify one place`);
        }
      }
      existing.push({ entry, ownerKey, districtIds, path });
      index.set(key, existing);
      added.push({ key, name, path: namePath });
    }
    return added;
  }

  private addOfficer(
    officer: { id: string; name: string },
    level: OfficerLevel,
    area: OfficerArea,
    path: string,
    claimId: (id: string, path: string) => void,
  ): OfficerEntry {
    claimId(officer.id, `${path}.id`);
    const entry: OfficerEntry = { officer: { id: officer.id, name: officer.name, level }, area, subDivisionIds: [] };
    if (!this.officersById.has(officer.id)) this.officersById.set(officer.id, entry);
    return entry;
  }

  /** Best match for what a consumer typed or a form gave: locality wins over sub-division over division. */
  resolvePlace(input: { district?: string; division?: string; subDivision?: string; locality?: string }): ResolvedPlace | undefined {
    let districtId: string | undefined;
    if (hasText(input.district)) {
      const [district] = inDistrict(this.districtsByName.get(normalisePlaceName(input.district)), undefined);
      // A district we do not hold must never be routed to an officer of one we do.
      if (district === undefined) return undefined;
      districtId = district.id;
    }

    if (hasText(input.locality)) {
      const exact = inDistrict(this.localitiesByName.get(normalisePlaceName(input.locality)), districtId);
      // Forms often carry a whole address line in the locality field ("B-12, Vibhuti Khand").
      const locality = exact.length === 1 ? exact[0] : this.localityInText(input.locality, districtId);
      if (locality !== undefined) return { ...locality.subDivision.place, locality: locality.name };
    }

    if (hasText(input.subDivision)) {
      const subDivisions = inDistrict(this.subDivisionsByName.get(normalisePlaceName(input.subDivision)), districtId);
      if (subDivisions.length === 1) return { ...subDivisions[0]!.place };
    }

    if (hasText(input.division)) {
      const divisions = inDistrict(this.divisionsByName.get(normalisePlaceName(input.division)), districtId);
      if (divisions.length === 1) {
        const served = divisions[0]!.subDivisions.filter((subDivision) => districtId === undefined || subDivision.districtId === districtId);
        if (served.length === 1) return { ...served[0]!.place };
      }
    }

    return undefined;
  }

  /**
   * The district a name stands for, by its name, Hindi name or an alias ("lko", "लखनऊ" → "Lucknow"), when localities
   * of that district are held; undefined for anything else (a name with no letters or digits included).
   */
  districtNamed(name: string): string | undefined {
    const key = normalisePlaceName(name);
    if (key === '') return undefined;
    const [district] = inDistrict(this.districtsByName.get(key), undefined);
    if (district === undefined || !this.localityList.some((locality) => locality.subDivision.districtId === district.id)) return undefined;
    return district.name;
  }

  /** Finds a known locality inside free text, longest match first (then leftmost). */
  findLocalityInText(text: string): ResolvedPlace | undefined {
    const locality = this.localityInText(text, undefined);
    return locality === undefined ? undefined : { ...locality.subDivision.place, locality: locality.name };
  }

  private localityInText(text: string, districtId: string | undefined): LocalityEntry | undefined {
    const words = wordsOf(text);
    for (let size = Math.min(this.longestLocalityWords, words.length); size >= 1; size -= 1) {
      for (let start = 0; start + size <= words.length; start += 1) {
        // Normalising the joined words (not each word) keeps spelling rules that span a word break consistent with the index.
        const found = inDistrict(this.localitiesByName.get(normalisePlaceName(words.slice(start, start + size).join(' '))), districtId);
        if (found.length === 1) return found[0];
      }
    }
    return undefined;
  }

  /** The officer at that level for the sub-division (JE/SDO from the sub-division, XEN from its division, SE from its circle, CE from its zone). */
  officerFor(subDivisionId: string, level: OfficerLevel): Officer {
    const subDivision = this.subDivisionsById.get(subDivisionId);
    if (subDivision === undefined) throw new DirectoryError(`Unknown sub-division id "${subDivisionId}"`);
    // The level may come straight from a request, so the type alone does not guarantee it.
    if (!(OFFICER_LEVELS as readonly string[]).includes(level)) throw new DirectoryError(`Unknown officer level "${String(level)}"`);
    return { ...subDivision.officers[level] };
  }

  officerById(id: string): (Officer & { area: OfficerArea }) | undefined {
    const entry = this.officersById.get(id);
    return entry === undefined ? undefined : { ...entry.officer, area: { ...entry.area } };
  }

  /** Every sub-division id under an officer's area (own unit and all below). Empty for an unknown officer: such an id may act on nothing. */
  subDivisionIdsUnder(officerId: string): string[] {
    return [...(this.officersById.get(officerId)?.subDivisionIds ?? [])];
  }

  districts(): string[] {
    return this.districtList.map((district) => district.name);
  }

  /** A copy of the data this directory holds, in the data file's format. */
  toData(): DirectoryData {
    return structuredClone(this.data);
  }

  /**
   * Takes over another directory's contents in place. Every service holds the same Directory object, so a directory
   * imported while the helpline runs is used by all of them from the next lookup on, without a restart.
   */
  replaceWith(other: Directory): void {
    Object.assign(this, other);
  }

  /** Is this (canonical) locality flagged `large`: too big for its name alone to find a spot in it? */
  isLargeLocality(name: string | undefined): boolean {
    return name !== undefined && this.largeLocalities.has(name);
  }

  /** The Hindi name of a district, sub-division or locality given by its canonical English name. */
  hindiNameOf(englishName: string): string | undefined {
    return this.hindiNames.get(englishName);
  }

  /** Every feeder and transformer the directory knows that supplies at least one locality (a small walk of the data). */
  electricalAreas(): ElectricalArea[] {
    const areas: ElectricalArea[] = [];
    const districtName = new Map(this.data.districts.map((district) => [district.id, district.name]));
    for (const zone of this.data.zones) {
      for (const circle of zone.circles) {
        for (const division of circle.divisions) {
          for (const subDivision of division.subDivisions) {
            const place: ResolvedPlace = {
              district: districtName.get(subDivision.districtId) ?? subDivision.districtId,
              zone: zone.name,
              circle: circle.name,
              division: division.name,
              subDivision: subDivision.name,
              subDivisionId: subDivision.id,
            };
            for (const feeder of subDivision.feeders ?? []) {
              const onFeeder = new Set<string>();
              for (const transformer of feeder.transformers ?? []) {
                const localities = transformer.localities ?? [];
                localities.forEach((locality) => onFeeder.add(locality));
                if (localities.length > 0) {
                  areas.push({ kind: 'transformer', id: transformer.id, name: transformer.name, feeder: { id: feeder.id, name: feeder.name }, localities, place });
                }
              }
              if (onFeeder.size > 0) areas.push({ kind: 'feeder', id: feeder.id, name: feeder.name, localities: [...onFeeder], place });
            }
          }
        }
      }
    }
    return areas;
  }

  /** The transformer(s) and feeder(s) that supply a locality of a sub-division, transformers first. */
  electricalAreasOf(subDivisionId: string, locality: string): ElectricalArea[] {
    const wanted = normalisePlaceName(locality);
    return this.electricalAreas()
      .filter((area) => area.place.subDivisionId === subDivisionId && area.localities.some((name) => normalisePlaceName(name) === wanted))
      .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'transformer' ? -1 : 1));
  }

  /** A feeder or transformer by its id or name (optionally within one sub-division); undefined when not known or ambiguous. */
  findElectricalArea(kind: ElectricalArea['kind'], idOrName: string, subDivisionId?: string): ElectricalArea | undefined {
    const wanted = normalisePlaceName(idOrName);
    const found = this.electricalAreas().filter(
      (area) => area.kind === kind && (!subDivisionId || area.place.subDivisionId === subDivisionId) && (normalisePlaceName(area.id) === wanted || normalisePlaceName(area.name) === wanted),
    );
    return found.length === 1 ? found[0] : undefined;
  }

  localities(): Array<{ name: string; nameHi: string; subDivisionId: string }> {
    return this.localityList.map((locality) => ({ name: locality.name, nameHi: locality.nameHi, subDivisionId: locality.subDivision.id }));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Coordinates: a location pin → the nearest known locality (data/lesa.coordinates.json; approximate public values).

/** Where a pin fell: the nearest locality (resolved like a typed one) and how far it is, or why it was not taken. */
export type PinPlace =
  | { inside: true; place: ResolvedPlace; locality: string; distanceKm: number }
  | { inside: false; reason: 'outside_box' | 'too_far' | 'no_coordinates' | 'invalid'; nearestKm?: number };

const coordinatesFileSchema = z.object({
  maxDistanceKm: z.number().positive().max(50),
  boundingBox: z.object({ south: z.number(), north: z.number(), west: z.number(), east: z.number() }),
  localities: z.record(z.string(), z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)])),
});
export type LocalityCoordinates = z.infer<typeof coordinatesFileSchema>;

let defaultCoordinates: LocalityCoordinates | undefined;

/** The coordinates file (LOCALITY_COORDINATES_FILE, default data/lesa.coordinates.json), read and validated once. */
export function loadLocalityCoordinates(): LocalityCoordinates {
  if (defaultCoordinates) return defaultCoordinates;
  const configured = process.env.LOCALITY_COORDINATES_FILE;
  const path = configured?.trim() ? configured : fileURLToPath(new URL('../data/lesa.coordinates.json', import.meta.url));
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DirectoryError(`Cannot read coordinates file ${path}: ${(error as Error).message}`);
  }
  const parsed = coordinatesFileSchema.safeParse(data);
  if (!parsed.success) throw new DirectoryError(`Invalid coordinates file ${path}`, parsed.error.issues.map(describeIssue));
  defaultCoordinates = parsed.data;
  return defaultCoordinates;
}

/** Great-circle distance in km (haversine; plenty for a few km inside one city). */
export function distanceKm(a: readonly [number, number], b: readonly [number, number]): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = radians(b[0] - a[0]);
  const dLon = radians(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a[0])) * Math.cos(radians(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The locality nearest to a pin, resolved through the directory (so a transferred or renamed locality routes as the
 * directory says today). Pins outside the bounding box, or farther than maxDistanceKm from every known locality, are
 * not placed: the caller says so instead of guessing.
 */
export function placeAt(directory: Directory, latitude: number, longitude: number, coordinates: LocalityCoordinates = loadLocalityCoordinates()): PinPlace {
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return { inside: false, reason: 'invalid' };
  const box = coordinates.boundingBox;
  if (latitude < box.south || latitude > box.north || longitude < box.west || longitude > box.east) return { inside: false, reason: 'outside_box' };
  let best: { name: string; km: number } | undefined;
  for (const locality of directory.localities()) {
    const point = coordinates.localities[locality.name];
    if (!point) continue;
    const km = distanceKm([latitude, longitude], point);
    if (!best || km < best.km) best = { name: locality.name, km };
  }
  if (!best) return { inside: false, reason: 'no_coordinates' };
  if (best.km > coordinates.maxDistanceKm) return { inside: false, reason: 'too_far', nearestKm: best.km };
  const place = directory.resolvePlace({ locality: best.name });
  if (!place) return { inside: false, reason: 'no_coordinates' };
  return { inside: true, place, locality: best.name, distanceKm: best.km };
}
