// Before the suite: a clean folder for this run's screenshots and render times.
import { mkdirSync, rmSync } from 'node:fs';
import { renderTimesFile, screenshotsDir } from './fixtures';

export default function globalSetup(): void {
  rmSync(screenshotsDir, { recursive: true, force: true });
  mkdirSync(screenshotsDir, { recursive: true });
  rmSync(renderTimesFile, { force: true });
}
