/** The clock port: handlers take the time from here, so tests and `npm run local -- ... --now` can set it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
