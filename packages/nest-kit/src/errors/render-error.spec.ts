import { renderError } from './render-error';

describe('renderError', () => {
  it('renders ExpressPlay JSON', () => {
    const r = renderError('json', 401, -2018, '[-2018] Authentication token invalid: x');
    expect(r).toEqual({
      status: 401,
      contentType: 'application/json; charset=utf-8',
      body: '{"code":-2018,"message":"[-2018] Authentication token invalid: x"}',
    });
  });

  it('renders escaped HTML carrying code and message', () => {
    const r = renderError('html', 400, -2033, '[-2033] Invalid cookie: <script>');
    expect(r.contentType).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('-2033');
    expect(r.body).toContain('&#60;script&#62;');
    expect(r.body).not.toContain('<script>');
  });
});
