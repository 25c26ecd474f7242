// Remix v2 classic compiler: app/ builds to build/index.js (server) and public/build/ (browser assets).
/** @type {import('@remix-run/dev').AppConfig} */
export default {
  appDirectory: 'app',
  serverModuleFormat: 'esm',
  ignoredRouteFiles: ['**/.*', '**/*.test.*'],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
  },
};
