export { createTransport, TransportError } from './transport.ts';
export type {
  HttpRequest,
  HttpResponse,
  Transport,
  TransportFailureKind,
  TransportOptions,
} from './transport.ts';
