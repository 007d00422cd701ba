'use client';

import { usePathname, useRouter } from 'next/navigation';

/**
 * The end of a filter form whose filters live in the URL: Filter submits the form, and while a
 * filter is set, Clear filters goes back to the bare page (no query string).
 */
export function FilterActions({ filtered }: { filtered: boolean }) {
  const router = useRouter();
  const pathname = usePathname();
  return (
    <>
      <button type="submit">Filter</button>
      {filtered ? (
        <button
          type="button"
          className="secondary"
          onClick={() => {
            router.replace(pathname);
          }}
        >
          Clear filters
        </button>
      ) : null}
    </>
  );
}
