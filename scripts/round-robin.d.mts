export interface RoundRobin {
  readonly url: string;
  readonly port: number;
  /** Answers received from each upstream, by index. */
  readonly counts: number[];
  close(): Promise<void>;
}

export function startRoundRobin(options: { upstreams: string[]; port: number; host?: string; name?: string }): Promise<RoundRobin>;
