// The package ships no types: its module.exports is an array of lowercase role prefixes.
declare module 'role-based-email-addresses' {
  const roles: unknown;
  export default roles;
}
