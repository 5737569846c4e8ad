// npm's postinstall: fetch the embedded database's jars now so the first start is quick. Never fails the install:
// a machine that uses MONGODB_URI needs neither Java nor Maven, and start-up explains what is missing.
import { EmbeddedDatabaseError, ensureDatabaseJars } from './embeddedMongo.js';

try {
  ensureDatabaseJars((line) => console.log(line));
} catch (error) {
  if (!(error instanceof EmbeddedDatabaseError)) throw error;
  console.warn(`[santushti] ${error.message}`);
}
