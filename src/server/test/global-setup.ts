// Placeholder: replaced by the database golden-image setup (see src/server/test/README.md).
export default async function setup(): Promise<void> {}
