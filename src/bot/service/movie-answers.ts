/**
 * Answers about movies rather than about one member's list: "movies like this one" (/because),
 * a movie's details (/movie), and a movie night for a group (/movienight). What a member sees per
 * movie comes from the community's ratings (./community.ts), never from one member's.
 */
import { topN } from '../../core/topn.ts';
import type { Member } from '../../store/api.ts';
import type { MovieDetails, RecommendedMovie } from '../service-api.ts';
import { movieLabel } from '../titles.ts';
import { type AnswerParts, checkN } from './recommend.ts';
import { popularReason, sharedReason } from './reasons.ts';

/** Predicted ratings below this keep a movie out of a movie night. */
const MOVIE_NIGHT_FLOOR = 2.5;

export class MovieAnswers {
  private readonly p: AnswerParts;

  constructor(parts: AnswerParts) {
    this.p = parts;
  }

  because(movieId: string, n: number): { content: RecommendedMovie[]; alsoLiked: RecommendedMovie[]; note?: string } {
    const count = checkN(n);
    const movie = this.p.catalog.require(movieId);
    const notes: string[] = [];
    const content: RecommendedMovie[] = [];
    const cm = this.p.content.model;
    if (cm) {
      // the tutorial's "improved" recommender: of the 25 most similar movies, the best by weighted
      // rating first, so a well-loved film beats an obscure one that merely shares a title word
      const wr = this.p.charts.weightedRatings(this.p.models.gen);
      const res = cm.because(movieId, count, { rankBy: (id) => wr.get(id) ?? -Infinity });
      if (!res.ok) notes.push(res.reason);
      for (const hit of res.items) {
        const m = this.p.catalog.movie(hit.id);
        if (m) content.push({ movie: m, score: hit.score, reason: sharedReason(hit.terms.map((t) => t.label)) });
      }
    } else {
      notes.push('The content model is still warming up; similar titles will appear in a moment.');
    }
    const alsoLiked: RecommendedMovie[] = [];
    // "also liked" comes from the community's ratings (Generation.community): with every member's
    // rating mixed in, the common-rater counts and similarities would tell about one member's ratings
    const community = this.p.models.gen.community;
    const i = community.innerItem(movieId);
    if (i === undefined) {
      notes.push(`${movieLabel(movie)} has too few ratings yet, so there is no "members also liked".`);
    } else {
      for (const nb of this.p.models.gen.communityCoRating.neighbours(i, count)) {
        const m = this.p.catalog.movie(community.rawItem(nb.item));
        if (m) alsoLiked.push({ movie: m, score: nb.sim, reason: `rated alike by ${nb.support} members` });
      }
      if (alsoLiked.length === 0) notes.push(`Too few members rated ${movieLabel(movie)} alongside other movies to say who liked what.`);
    }
    return { content, alsoLiked, note: notes.length > 0 ? notes.join(' ') : undefined };
  }

  movieDetails(member: Member, movieId: string): MovieDetails {
    const movie = this.p.catalog.require(movieId);
    // the community's ratings (Generation.community): the dataset is public, so an average that
    // included the rating of a movie only one member rated would give that rating away
    const community = this.p.models.gen.community;
    const i = community.innerItem(movieId);
    let communityMean: number | null = null;
    let communityCount = 0;
    if (i !== undefined) {
      const { indptr, values } = community.byItem;
      communityCount = indptr[i + 1] - indptr[i];
      let s = 0;
      for (let k = indptr[i]; k < indptr[i + 1]; k++) s += values[k];
      communityMean = communityCount > 0 ? s / communityCount : null;
    }
    const mine = this.p.ratings.of(member.id).find((r) => r.movieId === movieId);
    const b = this.because(movieId, 5);
    return {
      movie,
      communityMean,
      communityCount,
      myRating: mine ? mine.rating : null,
      similar: b.alsoLiked.length > 0 ? b.alsoLiked : b.content,
    };
  }

  movieNight(members: Member[], n: number): RecommendedMovie[] {
    const count = checkN(n);
    const group = [...new Map(members.map((m) => [m.id, m])).values()];
    if (group.length === 0) return [];
    const gen = this.p.models.gen;
    // averaged predicted ratings: a rating predictor, never a ranking model's scores
    const model = this.p.models.ratingPredictor()?.model;
    const nItems = gen.ts.nItems;
    const sum = new Float64Array(nItems);
    const excluded = new Uint8Array(nItems);
    const ratedByAnyone = new Set<string>();
    for (const m of group) {
      for (const r of this.p.ratings.of(m.id)) {
        ratedByAnyone.add(r.movieId);
        const i = gen.ts.innerItem(r.movieId);
        if (i !== undefined) excluded[i] = 1;
      }
    }
    if (!model) {
      // no model yet: the chart, minus what anyone rated
      const chart = this.p.charts.ranked(gen).filter((e) => !ratedByAnyone.has(e.movieId)).slice(0, count);
      return chart.flatMap((e) => {
        const movie = this.p.catalog.movie(e.movieId);
        return movie ? [{ movie, score: e.score, reason: popularReason(e.mean, e.count) }] : [];
      });
    }
    // as for /recommend: a prediction from one or two raters is theirs, not the group's
    for (const i of this.p.rarelyRated.of(gen).inner) excluded[i] = 1;
    const scores = new Float64Array(nItems);
    const [lo, hi] = gen.ts.scale;
    for (const m of group) {
      model.scoreAll(this.p.ratings.profile(m.id, gen), scores);
      for (let i = 0; i < nItems; i++) {
        const s = scores[i];
        if (s !== s) {
          excluded[i] = 1;
          continue;
        }
        const clipped = s < lo ? lo : s > hi ? hi : s;
        if (clipped < MOVIE_NIGHT_FLOOR) excluded[i] = 1;
        sum[i] += clipped;
      }
    }
    for (let i = 0; i < nItems; i++) sum[i] = excluded[i] ? NaN : sum[i] / group.length;
    const out: RecommendedMovie[] = [];
    for (const s of topN(sum, count)) {
      const movie = this.p.catalog.movie(gen.ts.rawItem(s.item));
      if (!movie) continue;
      const who = group.length === 1 ? 'for you' : `on average for the ${group.length} of you`;
      out.push({ movie, score: s.score, reason: `predicted ${s.score.toFixed(1)} ${who}` });
    }
    return out;
  }
}
