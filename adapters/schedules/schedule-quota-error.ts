/** The schedule backend refuses more schedules: an account quota, which retrying cannot fix. */
export class ScheduleQuotaError extends Error {
  override name = "ScheduleQuotaError";
}
