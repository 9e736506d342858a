/** The words synthetic movies and tags are made of. */

/** MovieLens genres with the share of ml-latest-small's 9,742 movies that carry each (counted from its movies.csv). */
export const GENRES: ReadonlyArray<readonly [string, number]> = [
  ['Drama', 0.448],
  ['Comedy', 0.386],
  ['Thriller', 0.194],
  ['Action', 0.188],
  ['Romance', 0.164],
  ['Adventure', 0.13],
  ['Crime', 0.123],
  ['Sci-Fi', 0.101],
  ['Horror', 0.1],
  ['Fantasy', 0.08],
  ['Children', 0.068],
  ['Animation', 0.063],
  ['Mystery', 0.059],
  ['Documentary', 0.045],
  ['War', 0.039],
  ['Musical', 0.034],
  ['Western', 0.017],
  ['IMAX', 0.016],
  ['Film-Noir', 0.009],
];

export const NO_GENRES = '(no genres listed)';

export const TITLE_ADJECTIVES = [
  'Silent', 'Crimson', 'Last', 'Hidden', 'Broken', 'Golden', 'Midnight', 'Distant', 'Wild', 'Frozen',
  'Electric', 'Secret', 'Lonely', 'Burning', 'Endless', 'Hollow', 'Velvet', 'Iron', 'Painted', 'Lost',
  'Quiet', 'Savage', 'Bright', 'Fallen', 'Northern', 'Paper', 'Glass', 'Restless', 'Sleeping', 'Stolen',
] as const;

export const TITLE_NOUNS = [
  'Harbor', 'Garden', 'River', 'Empire', 'Summer', 'Stranger', 'Kingdom', 'Letter', 'Machine', 'Station',
  'Orchard', 'Frontier', 'Mirror', 'Island', 'Witness', 'Signal', 'Voyage', 'Lantern', 'Circus', 'Planet',
  'Promise', 'Shadow', 'Carnival', 'Highway', 'Detective', 'Winter', 'Symphony', 'Horizon', 'Bridge', 'Ghost',
] as const;

/** Free-text tags in the style of tags.csv; a few hold a comma, as real ones do, so the files need quoting. */
export const TAG_WORDS = [
  'atmospheric', 'twist ending', 'dark comedy', 'visually appealing', 'based on a book', 'thought-provoking',
  'funny', 'quirky', 'great soundtrack', 'slow', 'predictable', 'cult film', 'classic', 'satire', 'violent',
  'romantic', 'surreal', 'nonlinear', 'philosophical', 'feel-good', 'tearjerker', 'space', 'time travel',
  'dystopia', 'heist', 'revenge', 'coming of age', 'family', 'friendship', 'music', 'true story', 'war',
  'small town', 'road trip', 'animation', 'superhero', 'zombies', 'haunted house', 'courtroom', 'sports',
  'Paris, France', 'New York City', 'black and white', 'remake', 'sequel', 'overrated', 'underrated',
  'beautiful scenery', 'great acting', 'witty dialogue', 'cheesy', 'campy', 'so bad it\'s good', 'noir',
  'psychological', 'mind-bending', 'stylized', 'long', 'short', 'gritty',
] as const;
