// The directory as data an operator maintains (issue 16): a generated directory of 5,000 localities and 2,000 officers
// imports with progress, is used by a running helpline without a restart, can be tried first (dry run), names the
// line of every problem in a CSV, and officer transfers keep their history.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectModels } from '../../db/database.js';
import { runDirectoryCommand } from '../../scripts/directory.js';
import { DIRECTORY_CSV_COLUMNS } from '../../services/directoryCsv.js';
import { freePort, ServerProcess } from '../support/serverProcess.js';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const scratch = mkdtempSync(join(tmpdir(), 'santushti-directory-'));
const externalUri = process.env.MONGODB_URI || undefined;
const dbName = `santushti_test_directory_${randomBytes(3).toString('hex')}`;
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  const { connection } = await connectModels(inject('mongoUri'), dbName);
  await connection.dropDatabase();
  await connection.close();
});

const hindiDigits = (n: number) => String(n).replace(/\d/g, (digit) => '०१२३४५६७८९'[Number(digit)]!);

/** 2 zones, 5 circles, 25 divisions, 984 sub-divisions (an SDO and a JE each): 2,000 officer posts; 5,000 localities. */
function generatedCsv(localities = 5_000): string {
  const lines = [DIRECTORY_CSV_COLUMNS.join(',')];
  const subDivisions = 984;
  for (let index = 0; index < localities; index++) {
    const sd = index % subDivisions;
    const division = sd % 25;
    const circle = division % 5;
    const zone = circle % 2;
    const cells: Record<string, string> = {
      district_id: 'gen-district', district: 'Generated District', district_hi: 'नमूना ज़िला',
      zone_id: `zone-${zone}`, zone: `Zone ${zone}`, zone_hi: `क्षेत्र ${hindiDigits(zone)}`, ce_id: `ce-${zone}`, ce_name: `CE ${zone}`, ce_phone: '',
      circle_id: `circle-${circle}`, circle: `Circle ${circle}`, circle_hi: `मंडल ${hindiDigits(circle)}`, se_id: `se-${circle}`, se_name: `SE ${circle}`, se_phone: '',
      division_id: `div-${division}`, division: `Division ${division}`, division_hi: `खंड ${hindiDigits(division)}`, xen_id: `xen-${division}`, xen_name: `XEN ${division}`, xen_phone: '',
      subdivision_id: `sd-${sd}`, subdivision: `Subdivision ${sd}`, subdivision_hi: `उपखंड ${hindiDigits(sd)}`,
      sdo_id: `sdo-gen-${sd}`, sdo_name: `SDO ${sd}`, sdo_phone: '', je_id: `je-gen-${sd}`, je_name: `JE ${sd}`, je_phone: `+91 98${String(sd).padStart(8, '0')}`,
      locality: `Mohalla ${index}`, locality_hi: `मोहल्ला ${hindiDigits(index)}`, aliases: `Mohalla no ${index}|Mohala ${index}`, lat: String(26 + (index % 100) / 1000), lon: String(80.9 + (index % 77) / 1000),
      feeder_id: `feeder-${sd}`, feeder: `Feeder ${sd}`, transformer_id: `dt-${index % 3000}`, transformer: `DT ${index % 3000}`,
    };
    lines.push(DIRECTORY_CSV_COLUMNS.map((column) => cells[column] ?? '').join(','));
  }
  return `${lines.join('\n')}\n`;
}

function run(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = execFile(tsx, args, { cwd: scratch, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

describe('npm run directory -- import', () => {
  it('names the line of every problem in a CSV, and saves nothing', async () => {
    const rows = generatedCsv(12).split('\n');
    rows[3] = rows[3]!.replace('मोहल्ला २', 'Mohalla two'); // line 4: a Hindi name in Latin letters
    rows[7] = rows[7]!.replace('sdo-gen-6,SDO 6', 'sdo-gen-5,Somebody Else'); // line 8: the post of line 7, another holder
    const file = join(scratch, 'broken.csv');
    writeFileSync(file, rows.join('\n'));
    const said: string[] = [];
    const code = await runDirectoryCommand(['import', file], { out: (line) => said.push(line), err: (line) => said.push(line), env: { MONGODB_URI: inject('mongoUri'), MONGODB_DB: dbName } });
    expect(code).toBe(1);
    const text = said.join('\n');
    expect(text).toMatch(/line 4: locality_hi: must be written in Devanagari/);
    expect(text).toMatch(/line 8: officer "sdo-gen-5" is given as .*Somebody Else.* but as .*SDO 5.* on line 7/);

    const missing = join(scratch, 'missing.csv');
    writeFileSync(missing, 'district_id,locality\nx,y\n');
    const missingSaid: string[] = [];
    expect(await runDirectoryCommand(['import', missing], { out: () => {}, err: (line) => missingSaid.push(line), env: { MONGODB_URI: inject('mongoUri'), MONGODB_DB: dbName } })).toBe(1);
    expect(missingSaid.join('\n')).toContain('line 1: missing column(s)');
  }, 60_000);

  it('imports 5,000 localities and 2,000 officers beside a running helpline, which uses them at once; transfers keep history', async () => {
    const file = join(scratch, 'generated.csv');
    writeFileSync(file, generatedCsv());
    const dataDir = join(scratch, 'running');
    const env = { DATA_DIR: dataDir, MONGODB_URI: externalUri ?? '', MONGODB_DB: dbName, EMBEDDED_DB_MAX_HEAP: '256m' };
    const server = new ServerProcess({ mongoUri: externalUri ?? '', dbName, port: await freePort(), dataDir, env: { EMBEDDED_DB_MAX_HEAP: '256m' } });
    await server.start();
    try {
      const dry = await run([join(root, 'scripts/directory.ts'), 'import', file, '--dry-run'], env);
      expect(dry, dry.out).toMatchObject({ code: 0 });
      expect(dry.out).toContain('5000 localities');
      expect(dry.out).toMatch(/localities added: 5000/);
      expect(dry.out).toMatch(/officer posts added: 2000/);
      expect(dry.out).toContain('reading: 5000/5000 rows');
      expect(dry.out).toContain('Dry run: nothing was saved.');

      const imported = await run([join(root, 'scripts/directory.ts'), 'import', file], env);
      expect(imported, imported.out).toMatchObject({ code: 0 });
      expect(imported.out).toContain('Saved as version 1');

      // A JE of the new directory can be given an account and works in the running helpline.
      for (const [username, role, extra] of [['gen-je', 'officer', ['--officer-id', 'je-gen-17']], ['boss', 'supervisor', []]] as const) {
        const added = await run([join(root, 'scripts/users.ts'), 'add', '--username', username, '--role', role, ...extra, '--password-stdin'], env, 'a-long-secret-pass\n');
        expect(added, added.out).toMatchObject({ code: 0 });
      }
      const login = async (username: string) => {
        const response = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'a-long-secret-pass' }) });
        return ((await response.json()) as { token: string }).token;
      };
      const officerToken = await login('gen-je');
      let seen = 0;
      for (let attempt = 0; attempt < 40 && seen !== 200; attempt++) {
        seen = (await fetch(`${server.baseUrl}/api/tickets`, { headers: { authorization: `Bearer ${officerToken}` } })).status;
        if (seen !== 200) await new Promise((wait) => setTimeout(wait, 250));
      }
      expect(seen).toBe(200);

      const boss = await login('boss');
      const transfer = await fetch(`${server.baseUrl}/api/directory/officers/je-gen-17/transfer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${boss}` },
        body: JSON.stringify({ name: 'Sunita Verma', phone: '+919812345678', note: 'posted from Barabanki' }),
      });
      expect(transfer.status).toBe(200);
      const history = (await (await fetch(`${server.baseUrl}/api/directory/officers/je-gen-17/history`, { headers: { authorization: `Bearer ${boss}` } })).json()) as {
        holder: { name: string };
        history: Array<{ transfer: { fromName: string; toName: string } }>;
      };
      expect(history.holder.name).toBe('Sunita Verma');
      expect(history.history[0]!.transfer).toMatchObject({ fromName: 'JE 17', toName: 'Sunita Verma' });
      // Officers cannot move posts.
      const refused = await fetch(`${server.baseUrl}/api/directory/officers/je-gen-18/transfer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${officerToken}` },
        body: JSON.stringify({ name: 'Someone' }),
      });
      expect(refused.status).toBe(403);
    } finally {
      await server.stop();
    }
  }, 240_000);
});
