// Remix v2 classic compiler. The web app (app/) arrives with its own issue; this is where its build is set.
/** @type {import('@remix-run/dev').AppConfig} */
export default {
  appDirectory: 'app',
  serverModuleFormat: 'esm',
  ignoredRouteFiles: ['**/.*', '**/*.test.*'],
};
