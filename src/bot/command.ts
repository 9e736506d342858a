/**
 * The command layer's public face, one import for commands and adapters. Each part lives in its
 * own module under ./command/: the contract (what a command declares and receives), the line
 * grammar (the one parser), value conversion, words for people (usage, descriptions), the
 * registry, and suggestions while typing.
 */
export * from './command/contract.ts';
export { parseOptions, tokenize, type ParseResult, type RawOptions } from './command/grammar.ts';
export { parseBoolean, parseMention, parseNumber } from './command/values.ts';
export { clip, closest, describeOption, editDistance, usage } from './command/words.ts';
export { CommandDefinitionError, createRegistry, validateCommand, type CommandRegistry } from './command/registry.ts';
export { suggestValues } from './command/suggest.ts';
