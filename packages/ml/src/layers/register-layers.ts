/**
 * Importing this module registers every custom layer with tfjs serialization, which a process needs before it
 * can load a saved model that uses them.
 */
import './aplu.ts';
import './channel-prelu.ts';
import './lma.ts';
import './smh-conv2d.ts';
import './smh-dense.ts';
import './smh-pool.ts';
import './trainable-swish.ts';
