// The directory as data the operator maintains while the helpline runs: imported into the database (npm run directory
// -- import), changed by officer transfers (staff API), and picked up by every running process within seconds.
// The data file (DIRECTORY_FILE, or the LESA demo) is only the starting point until the first import.
import { CURRENT_DIRECTORY_ID, type DirectoryHistoryRecord, type DirectoryTransfer, type DirectoryVersionRecord } from '../models/directoryModels.js';
import { wholeDocument, type Models } from '../models/index.js';
import { Directory, DirectoryError, type DirectoryData } from './directory.js';
import { ConcurrentUpdateError, InvalidInputError } from './errors.js';
import { isDuplicateKeyError } from './mongoErrors.js';

export interface StoredDirectory {
  directory: Directory;
  version: number;
}

export async function storedDirectoryVersion(models: Pick<Models, 'directoryVersions'>): Promise<number> {
  const head = await models.directoryVersions.findById(CURRENT_DIRECTORY_ID, { version: 1 }).lean<Pick<DirectoryVersionRecord, 'version'>>();
  return head?.version ?? 0;
}

/** The imported directory, or undefined before the first import (then the data file is used). */
export async function loadStoredDirectory(models: Pick<Models, 'directoryVersions'>): Promise<StoredDirectory | undefined> {
  const stored = await models.directoryVersions.findById(CURRENT_DIRECTORY_ID, wholeDocument).lean<DirectoryVersionRecord>();
  if (!stored) return undefined;
  return { directory: Directory.fromData(JSON.parse(stored.json)), version: stored.version };
}

/**
 * Saves a new version if nobody saved one since `basedOn` (compare-and-set on {_id, version}), with its history line.
 * Returns the new version number.
 */
export async function saveDirectory(
  models: Pick<Models, 'directoryVersions' | 'directoryHistory'>,
  directory: Directory,
  basedOn: number,
  entry: { kind: DirectoryHistoryRecord['kind']; by: string; summary: string; transfer?: DirectoryTransfer; at: Date },
): Promise<number> {
  const version = basedOn + 1;
  const fields = { version, json: JSON.stringify(directory.toData()), savedAt: entry.at, savedBy: entry.by };
  try {
    if (basedOn === 0) {
      await models.directoryVersions.create({ _id: CURRENT_DIRECTORY_ID, ...fields });
    } else {
      const before = await models.directoryVersions.findOneAndUpdate({ _id: CURRENT_DIRECTORY_ID, version: basedOn }, { $set: fields }, { projection: { version: 1 } }).lean();
      if (!before) throw new ConcurrentUpdateError('The directory was changed by someone else meanwhile; look again and retry.');
    }
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConcurrentUpdateError('The directory was changed by someone else meanwhile; look again and retry.');
    throw error;
  }
  await models.directoryHistory.create({ _id: `v${version}`, version, ...entry });
  return version;
}

export interface DirectoryChanges {
  localitiesAdded: string[];
  localitiesRemoved: string[];
  /** Localities that now belong to another sub-division: their new complaints go to other officers. */
  localitiesMoved: string[];
  officersAdded: string[];
  officersRemoved: string[];
  /** Posts whose holder's name or phone changed. */
  officersChanged: string[];
}

/** What replacing `before` with `after` changes, as an operator would check it before importing. */
export function directoryChanges(before: Directory, after: Directory): DirectoryChanges {
  const localities = (directory: Directory) => new Map(directory.localities().map((locality) => [locality.name, locality.subDivisionId]));
  const officers = (directory: Directory) => new Map(officersIn(directory.toData()).map((officer) => [officer.id, `${officer.name}|${officer.phone ?? ''}`]));
  const [oldLocalities, newLocalities, oldOfficers, newOfficers] = [localities(before), localities(after), officers(before), officers(after)];
  return {
    localitiesAdded: [...newLocalities.keys()].filter((name) => !oldLocalities.has(name)),
    localitiesRemoved: [...oldLocalities.keys()].filter((name) => !newLocalities.has(name)),
    localitiesMoved: [...newLocalities].filter(([name, subDivision]) => oldLocalities.has(name) && oldLocalities.get(name) !== subDivision).map(([name]) => name),
    officersAdded: [...newOfficers.keys()].filter((id) => !oldOfficers.has(id)),
    officersRemoved: [...oldOfficers.keys()].filter((id) => !newOfficers.has(id)),
    officersChanged: [...newOfficers].filter(([id, holder]) => oldOfficers.has(id) && oldOfficers.get(id) !== holder).map(([id]) => id),
  };
}

type OfficerData = { id: string; name: string; phone?: string };

/** Every officer post in the data (CE, SE, XEN, SDO, JE), each once. */
function officersIn(data: DirectoryData): OfficerData[] {
  const found: OfficerData[] = [];
  for (const zone of data.zones) {
    found.push(zone.ce);
    for (const circle of zone.circles) {
      found.push(circle.se);
      for (const division of circle.divisions) {
        found.push(division.xen);
        for (const subDivision of division.subDivisions) found.push(subDivision.sdo, subDivision.je);
      }
    }
  }
  return found;
}

/**
 * An officer transfer: the post (its id) stays and a new person holds it. Open tickets are assigned to the post, so they
 * follow it to the successor (who logs in with an officer account for the same id); the history keeps who held it.
 */
export async function transferOfficer(
  models: Pick<Models, 'directoryVersions' | 'directoryHistory'>,
  directory: Directory,
  officerId: string,
  successor: { name: string; phone?: string; note?: string },
  by: string,
  at: Date,
): Promise<{ version: number; transfer: DirectoryTransfer }> {
  const basedOn = await storedDirectoryVersion(models);
  const current = basedOn > 0 ? (await loadStoredDirectory(models))!.directory : directory;
  const data = current.toData();
  const post = officersIn(data).find((officer) => officer.id === officerId);
  if (!post) throw new InvalidInputError([`officerId: no officer post "${officerId}" in the directory`]);
  const transfer: DirectoryTransfer = { officerId, fromName: post.name, toName: successor.name, fromPhone: post.phone, toPhone: successor.phone, note: successor.note };
  post.name = successor.name;
  if (successor.phone === undefined) delete post.phone;
  else post.phone = successor.phone;
  let next: Directory;
  try {
    next = Directory.fromData(data);
  } catch (error) {
    if (error instanceof DirectoryError) throw new InvalidInputError([...error.problems]);
    throw error;
  }
  const version = await saveDirectory(models, next, basedOn, { kind: 'transfer', by, at, summary: `${officerId}: ${transfer.fromName} → ${transfer.toName}`, transfer });
  directory.replaceWith(next);
  return { version, transfer };
}

/** The history lines that concern one officer post, newest first (a small collection: one line per import/transfer). */
export async function officerHistory(models: Pick<Models, 'directoryHistory'>, officerId: string): Promise<DirectoryHistoryRecord[]> {
  const lines = await models.directoryHistory.find({}, wholeDocument).lean<DirectoryHistoryRecord[]>();
  return lines.filter((line) => line.transfer?.officerId === officerId).sort((a, b) => b.version - a.version);
}

/**
 * Keeps a running process's directory current: reads the version number (one `_id` read) every interval and reloads
 * when another process or the import command saved a newer one.
 */
export class DirectoryWatcher {
  private timer: NodeJS.Timeout | undefined;
  private loadedVersion = 0;

  constructor(
    private readonly models: Pick<Models, 'directoryVersions'>,
    private readonly directory: Directory,
    private readonly options: { intervalMs?: number; log?: (line: string) => void } = {},
  ) {}

  /** Loads the stored directory if there is one (at start-up), then watches. */
  async start(): Promise<void> {
    await this.checkNow();
    this.timer = setInterval(() => void this.checkNow().catch(() => {}), this.options.intervalMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Returns true when a newer directory was loaded. */
  async checkNow(): Promise<boolean> {
    if ((await storedDirectoryVersion(this.models)) <= this.loadedVersion) return false;
    const stored = await loadStoredDirectory(this.models);
    if (!stored || stored.version <= this.loadedVersion) return false;
    this.directory.replaceWith(stored.directory);
    this.loadedVersion = stored.version;
    this.options.log?.(`[directory] using version ${stored.version} (${stored.directory.localities().length} localities)`);
    return true;
  }
}
