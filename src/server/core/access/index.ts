export * from './actor.ts';
export * from './tlp.ts';
export * from './visibility.ts';
