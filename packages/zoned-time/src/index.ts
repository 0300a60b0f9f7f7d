export {
  addDays,
  instantOfLocalTime,
  type LocalDateTime,
  localDateTime,
  offsetMs,
} from './zoned-time.ts';
