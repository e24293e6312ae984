/** The advisory lock that serialises claim changes (exclusive) with publishes (shared), next to migrations' 7_424_200_001. */
export const CLAIMS_LOCK_KEY = 7_424_200_002;
