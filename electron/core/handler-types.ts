/** Types of the core's contract handlers (input already parsed by the channel's zod schema). */
import type { z } from 'zod';
import type { Channel, ChannelOutput, Contract } from '../../shared/contract.ts';

/** Parsed input of a channel. */
export type ParsedInput<C extends Channel> = z.infer<Contract[C]['input']>;

/** Handles one channel. */
export type Handler<C extends Channel> = (input: ParsedInput<C>) => Promise<ChannelOutput<C>>;

/** Handlers for a set of channels. */
export type Handlers<K extends Channel> = { [C in K]: Handler<C> };
