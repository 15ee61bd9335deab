import type { Provider } from '@nestjs/common';
import { PrismaClient, StoredKeyRepository } from '@openplay/database';
import { KeystoreService } from './keystore.service';

/** What the key store adds to the app: the repository (TokenIssuer uses it too, for kek+kid) and the service. */
export const KEYSTORE_PROVIDERS: Provider[] = [
  {
    provide: StoredKeyRepository,
    inject: [PrismaClient],
    useFactory: (prisma: PrismaClient) => new StoredKeyRepository(prisma),
  },
  KeystoreService,
];
