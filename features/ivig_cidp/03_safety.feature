Feature: Safety
  The screening, product choice and infusion precautions every authorization
  of IVIG for CIDP carries or that a patient's findings call for. These
  statements are shared word for word with the other IVIG policies.

  @SAFE-IGA-SCREEN @include
  Rule: Included from the shared statements

  @SAFE-IGA-PRODUCT @include
  Rule: Included from the shared statements

  @SAFE-CARDIAC @include
  Rule: Included from the shared statements

  @SAFE-HYDRATION @include
  Rule: Included from the shared statements
