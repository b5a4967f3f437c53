/**
 * A worker as every member but Labour knows one: by Labour's key alone. Labour owns the worker;
 * an agency's `Worker` is this reference, and the gateway asks Labour for everything else.
 */
export interface WorkerReference {
  id: string;
}
