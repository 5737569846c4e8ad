// The report routes (mounted at /api): hotspots and the satisfaction register, as JSON or CSV. Supervisors read
// everything, officers their own area, agents nothing; the rules and the reading live in services/reportService.ts.
import express, { type Request, type Response, type Router } from 'express';
import { CSV_CONTENT_TYPE, hotspotsCsv, registerCsvHeader, registerCsvLines, type ReportLanguage } from '../../services/reportCsv.js';
import type { ReportService } from '../../services/reportService.js';
import type { Directory } from '../../services/directory.js';
import type { StaffAuthService } from '../../services/staffAuthService.js';
import { staffRoute } from './staffRoute.js';

export interface ReportsRouterDependencies {
  auth: StaffAuthService;
  reports: ReportService;
  directory: Directory;
}

export function createReportsRouter({ auth, reports, directory }: ReportsRouterDependencies): Router {
  const router = express.Router();
  const hindiNameOf = (name: string) => directory.hindiNameOf(name);
  const route = staffRoute(auth);

  router.get(
    '/reports/hotspots',
    route(async (principal, request, response) => {
      const report = await reports.hotspots(principal, request.query as Record<string, string>);
      if (request.query.format !== 'csv') {
        response.json(report);
        return;
      }
      sendCsvHeaders(response, `hotspots-${report.by}-${report.from}-${report.to}.csv`);
      response.send(hotspotsCsv(report, languageOf(request)));
    }),
  );

  router.get(
    '/reports/satisfaction-register',
    route(async (principal, request, response) => {
      const query = request.query as Record<string, string>;
      if (query.format !== 'csv') {
        response.json(await reports.satisfactionRegister(principal, query));
        return;
      }
      const lang = languageOf(request);
      const register = reports.registerExport(principal, query);
      sendCsvHeaders(response, `satisfaction-register-${register.from}-${register.to}.csv`);
      response.write(registerCsvHeader(lang));
      try {
        for await (const lines of register.lines) {
          if (lines.length > 0 && !response.write(registerCsvLines(lines, lang, hindiNameOf))) await new Promise((resolve) => response.once('drain', resolve));
        }
        response.end();
      } catch (error) {
        response.destroy(error as Error);
      }
    }),
  );

  return router;
}

function languageOf(request: Request): ReportLanguage {
  return request.query.lang === 'hi' ? 'hi' : 'en';
}

function sendCsvHeaders(response: Response, filename: string): void {
  response.set('Content-Type', CSV_CONTENT_TYPE);
  response.set('Content-Disposition', `attachment; filename="${filename}"`);
  response.set('Cache-Control', 'no-store');
}
