import * as path from 'node:path';
import { displayPath } from '../../../lib/paths';

describe('displayPath (paths printed by npm start)', () => {
  it('is relative below the current folder, where it works as typed', () => {
    expect(displayPath('/work/repo/.local/endpoints.json', '/work/repo')).toBe(path.join('.local', 'endpoints.json'));
    // A folder whose name starts with two dots is still below.
    expect(displayPath('/work/repo/..data/x', '/work/repo')).toBe(path.join('..data', 'x'));
  });

  it('is absolute outside it: a ../../tmp path would only work from this one folder', () => {
    expect(displayPath('/tmp/gl/endpoints.json', '/work/repo')).toBe('/tmp/gl/endpoints.json');
    expect(displayPath('/work/other/aws.env', '/work/repo')).toBe('/work/other/aws.env');
  });

  it('is absolute for the current folder itself', () => {
    expect(displayPath('/work/repo', '/work/repo')).toBe('/work/repo');
  });
});
