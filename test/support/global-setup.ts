// vitest global setup: refuse to run when the real servers are missing (never skip).
import { requireServices } from './services.js';

export default async function setup(): Promise<void> {
  await requireServices();
}
