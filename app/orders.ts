// Order vocabulary shared by the browser and the server, as the trading core defines it.
export const OPEN_STATUSES = [
  'new',
  'accepted',
  'held',
  'partially_filled',
  'pending_cancel',
  'pending_replace',
];
/** Statuses whose reserved_cash still counts against buying power. */
export const RESERVING_STATUSES = ['new', 'accepted', 'partially_filled'];

export const ORDER_TYPES: Array<[string, string]> = [
  ['market', 'Market'],
  ['limit', 'Limit'],
  ['stop', 'Stop'],
  ['stop_limit', 'Stop limit'],
  ['trailing_stop', 'Trailing stop'],
];

export const TIME_IN_FORCE: Array<[string, string]> = [
  ['day', 'Day'],
  ['gtc', 'Good till canceled'],
  ['ioc', 'Immediate or cancel'],
  ['fok', 'Fill or kill'],
  ['opg', 'At the open'],
  ['cls', 'At the close'],
];

export const ORDER_CLASSES: Array<[string, string]> = [
  ['simple', 'Simple'],
  ['bracket', 'Bracket (take profit + stop loss)'],
  ['oto', 'One triggers other'],
  ['oco', 'One cancels other (sell)'],
];
