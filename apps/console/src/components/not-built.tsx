import type { ReactNode } from 'react';

/**
 * What a page shows while the engine part it depends on does not exist in this build. It says
 * what the page is for and what is missing; it never shows sample data in place of real data.
 */
export function NotBuiltYet({ needs, children }: { needs: string; children: ReactNode }) {
  return (
    <div className="notice" role="status" data-testid="not-built">
      <p>
        <strong>No data yet.</strong> {children}
      </p>
      <p>This build of Tessera does not include {needs}, so there is nothing real to show here.</p>
    </div>
  );
}
