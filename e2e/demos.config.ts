import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/** Demo stories: the same real server and console as the specs, one story per file. */
export default defineConfig({ ...base, testMatch: ['demos/**/*.demo.ts'] });
