// The classic compiler turns a CSS import into the URL of the hashed, immutable file it emits.
declare module '*.css' {
  const href: string;
  export default href;
}

interface Window {
  /** Public Supabase settings written by the root route (project URL and anon key). */
  ENV: { SUPABASE_URL: string; SUPABASE_ANON_KEY: string };
}
