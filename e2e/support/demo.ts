import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { artifactsDir } from './constants';

/**
 * A demo story's camera: `shot(page, 'what')` saves `NN-what.png` (01, 02…) in
 * e2e/artifacts/demos/<story>/, emptied when the story starts so that its folder holds exactly
 * the last run's steps. Each shot also prints its step, so a demo's log reads as the story.
 */
export function camera(story: string): (page: Page, what: string) => Promise<void> {
  const dir = join(artifactsDir, 'demos', story);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let step = 0;
  return async (page, what) => {
    step += 1;
    const file = `${String(step).padStart(2, '0')}-${what}.png`;
    await page.screenshot({ path: join(dir, file), fullPage: true });
    console.log(`  [${story}] ${file}`);
  };
}
