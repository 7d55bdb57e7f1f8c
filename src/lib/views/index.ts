/**
 * View counters and visitor statistics, exact and private
 * (docs/decisions/0004-view-counting.md). Framework-free: the server's hot path
 * (src/server/views-api.ts), the ViewCount island and /admin/stats use these.
 */
export { renderBadge } from './badge.ts';
export { addDays, dayOf, daysBetween, eachDay, isDay, nextMidnight, type Day } from './days.ts';
export { DEFAULT_LOCALE, formatCount, negotiateLocale, plural } from './format.ts';
export { isOnDemandPage, registerOnDemandPage } from './pages.ts';
export { MAX_PATH_LENGTH, normalizePagePath } from './paths.ts';
export { createViewRecorder, readPageCounts, type PageCounts, type RecordOutcome, type ViewEvent, type ViewRecorder } from './recorder.ts';
export { countability, type Countability } from './requests.ts';
export { pruneDedupeData, viewsRetentionJob } from './retention.ts';
export {
  change,
  CSV_HEADER,
  DEFAULT_RANGE_DAYS,
  isRangePreset,
  MAX_RANGE_DAYS,
  parseDayRange,
  presetRange,
  previousRange,
  pruneDailyDetail,
  RANGE_PRESETS,
  statistics,
  statisticsCsv,
  type DayPoint,
  type DayRange,
  type PageRow,
  type RangePreset,
  type RangeResult,
  type Statistics,
} from './stats.ts';
export { VIEW_TABLES } from './table.ts';
export {
  expiredVisitorCookie,
  isEventKey,
  isVisitorId,
  hashKey,
  keyedHash,
  newVisitorId,
  readCookie,
  visitorCookie,
  visitorCookieName,
} from './visitor.ts';
