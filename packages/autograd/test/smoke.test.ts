import { placeholder } from '@adjoint/autograd';
import { expect, test } from 'vitest';

test('placeholder', () => expect(placeholder).toBe(1));
