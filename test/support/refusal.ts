/** The error `promise` ends with, when it is an `errorClass` (the test fails when the promise succeeds). */
export async function refusal<E extends Error>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof errorClass) return error;
    throw error;
  }
  throw new Error('it succeeded where a refusal was expected');
}
