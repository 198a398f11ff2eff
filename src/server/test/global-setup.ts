import { buildPgliteImage, buildPostgresTemplate, imageKey, testDbKind } from './db-image.ts';

/** Builds the test database image once per run (and once per set of migrations, cached). */
export default async function setup(): Promise<void> {
  const key = imageKey();
  process.env.RAMPART_TEST_IMAGE_KEY = key;
  if (testDbKind() === 'postgres') await buildPostgresTemplate(key);
  else await buildPgliteImage(key);
}
