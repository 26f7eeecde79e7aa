/**
 * The shipped State Council notices, one file per year, each as the notice gives it (its number,
 * URL on www.gov.cn, issue date, every day of each holiday block — weekends inside included —
 * and its adjusted working days). They are validated like any loaded notice (calendars/notice.ts).
 */
import notice2023 from './2023.json' with { type: 'json' };
import notice2024 from './2024.json' with { type: 'json' };
import notice2025 from './2025.json' with { type: 'json' };
import notice2026 from './2026.json' with { type: 'json' };

/** Raw notices as shipped, ascending by year; `WorkingDayCalendar.fromNotices` validates them. */
export const SHIPPED_NOTICES: readonly unknown[] = Object.freeze([notice2023, notice2024, notice2025, notice2026]);
