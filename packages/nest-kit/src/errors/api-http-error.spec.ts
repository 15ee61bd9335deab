import { ApiHttpError } from './api-http-error';
import { describeFailure } from './describe-failure';

describe('ApiHttpError', () => {
  it('is described with its status as the code and its details in the message', () => {
    expect(describeFailure(new ApiHttpError(400, 'length must be 1 to 1000'))).toEqual({
      status: 400,
      code: 400,
      message: '[400] length must be 1 to 1000',
    });
    expect(describeFailure(new ApiHttpError(404, 'no record 7'))).toMatchObject({ status: 404, code: 404 });
  });
});
