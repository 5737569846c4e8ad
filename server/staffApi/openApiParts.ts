// Small builders shared by the OpenAPI modules that openApiDocument.ts spreads in (live handoff, callback queue).
import { z } from 'zod';

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });
export const errorResponse = (description: string) => ({ description, ...json(ref('Error')) });

export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
