import type { NextConfig } from 'next';

const config: NextConfig = {
  // The API package exports TypeScript source (STYLE.md: internal packages export src/).
  transpilePackages: ['@tessera/api'],
  // Live data arrives as server-sent events through the API proxy route; compression would
  // buffer the stream, and the console is served on loopback or behind a proxy that compresses.
  compress: false,
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
};

export default config;
