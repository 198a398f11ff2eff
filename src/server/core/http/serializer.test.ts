import { describe, expect, test } from 'vitest';
import { isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { responseSerializer } from './serializer.ts';

const Item = z.object({ id: z.string(), count: z.number().int(), when: z.iso.datetime().optional(), tags: z.array(z.string()).default([]) });
const compile = (schema: z.ZodType) => responseSerializer({ schema, method: 'GET', url: '/x', httpStatus: '200' });

describe('response serializer', () => {
  test('writes what the schema declares: undeclared keys dropped, nested too, defaults filled', () => {
    const out = compile(z.object({ items: z.array(Item), total: z.number() }))({
      items: [{ id: 'a', count: 1, secret: 'x', when: '2026-01-01T00:00:00Z' }, { id: 'b', count: 2, tags: ['t'] }],
      total: 2,
      internal: true,
    });
    expect(JSON.parse(out)).toEqual({ items: [{ id: 'a', count: 1, when: '2026-01-01T00:00:00Z', tags: [] }, { id: 'b', count: 2, tags: ['t'] }], total: 2 });
  });

  test('a response that breaks its schema is an error the edge answers as a 500, not written', () => {
    let err: unknown;
    try {
      compile(Item)({ id: 'a', count: 'many' });
    } catch (e) {
      err = e;
    }
    expect(isResponseSerializationError(err)).toBe(true);
  });

  test('the { properties } form Fastify may pass is accepted; a non-zod schema is refused at compile time', () => {
    expect(JSON.parse(responseSerializer({ schema: { properties: Item }, method: 'GET', url: '/x', httpStatus: '200' })({ id: 'a', count: 3 }))).toEqual({ id: 'a', count: 3, tags: [] });
    expect(() => responseSerializer({ schema: { type: 'object' } as never, method: 'GET', url: '/x', httpStatus: '200' })).toThrow(/not a zod schema/);
  });
});
