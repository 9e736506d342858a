// Types for the one submodule of `natural` we load: its package root is slow and prints to stdout,
// and its bundled typings describe only the root.
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  interface PorterStemmer {
    /** Porter (1980) stem of one lowercase word; words shorter than 3 characters are returned as is */
    stem(token: string): string;
  }
  const stemmer: PorterStemmer;
  export default stemmer;
}
