Feature: Medical necessity
  Which diagnoses on a prior-authorization request place it within this policy,
  and which ones exclude it, need review or fall outside it.

  @source-case
  Scenario: The source case is approved with its safety conditions and dosing advice
    Given a request like the source case
    When the request is assessed
    Then the decision is approve
    And DX-SPECTRUM applies
    And SOC-STANDARD applies
    And there are no changes
    And there are no reasons
    And the conditions are SAFE-IGA-SCREEN, SAFE-CARDIAC, SAFE-HYDRATION
    And the advice are DOSE-HIGH, SAFE-AE
    And the monitoring are MON-PLAN

  @DX-SPECTRUM @cite.source-assessment @cite.dalakas-1993 @cite.wang-2012
  Rule: Idiopathic inflammatory myopathies are covered
    Other myositis of any site (M60.8x), dermatopolymyositis (M33.x), dermatomyositis in neoplastic disease (M36.0) and other inflammatory and immune myopathies not elsewhere classified (G72.49) fall within the spectrum of idiopathic inflammatory myopathies, for which IVIG is medically necessary.

    Scenario Outline: A diagnosis within the inflammatory myopathy spectrum is covered
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is approve
      And DX-SPECTRUM applies
      And SOC-STANDARD applies
      And there are no reasons

      Examples:
        | diagnoses   |
        | ["M60.80"]  |
        | ["M60.811"] |
        | ["M60.89"]  |
        | ["M33.00"]  |
        | ["M33.10"]  |
        | ["M33.20"]  |
        | ["M33.90"]  |
        | ["M36.0"]   |
        | ["G72.49"]  |

    Scenario Outline: A covered code is recognized with or without its dot and in any case
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is approve
      And DX-SPECTRUM applies

      Examples:
        | diagnoses  |
        | ["M3320"]  |
        | ["m60.80"] |

    Scenario Outline: A diagnosis outside the spectrum does not meet the criterion
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then DX-SPECTRUM does not apply
      And DX-SPECTRUM is not met
      And nothing is authorized

      Examples:
        | diagnoses  |
        | ["G72.41"] |
        | ["G72.0"]  |
        | ["E11.9"]  |

  @DX-IBM @cite.transfusion-ontario-ivig @cite.amato-1994
  Rule: Inclusion body myositis is excluded
    Inclusion body myositis (G72.41) is excluded from this policy, because the benefit of IVIG in inclusion body myositis has not been established. The exclusion applies even when a diagnosis within the spectrum of idiopathic inflammatory myopathies is also present.

    Scenario: Inclusion body myositis is denied
      Given a request like the source case
      And diagnoses is ["G72.41"]
      When the request is assessed
      Then the decision is deny
      And DX-IBM applies
      And the reasons are DX-IBM
      And nothing is authorized

    Scenario: Inclusion body myositis is denied even when an in-spectrum myositis code is also present
      Given a request like the source case
      And diagnoses is ["G72.41", "M60.80"]
      When the request is assessed
      Then the decision is deny
      And DX-IBM applies
      And the reasons are DX-IBM
      And nothing is authorized

    Scenario: A myositis request without inclusion body myositis is not excluded
      Given a request like the source case
      When the request is assessed
      Then DX-IBM does not apply
      And DX-IBM is met
      And the decision is approve

  @DX-OTHER-CAUSE @cite.source-assessment
  Rule: Myopathies with another cause are not covered
    Infective myositis (M60.0x), foreign body granuloma of muscle (M60.2x) and drug-induced myopathy (G72.0) are not inflammatory myopathies, and IVIG is not medically necessary for them under this policy.

    Scenario Outline: A myopathy with an infective, foreign-body or drug cause is denied
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is deny
      And DX-OTHER-CAUSE applies
      And the reasons are DX-OTHER-CAUSE
      And nothing is authorized

      Examples:
        | diagnoses   |
        | ["M60.009"] |
        | ["M60.000"] |
        | ["M60.20"]  |
        | ["G72.0"]   |

    Scenario: Other myositis is not a myopathy with another cause
      Given a request like the source case
      When the request is assessed
      Then DX-OTHER-CAUSE does not apply
      And DX-OTHER-CAUSE is met
      And the decision is approve

  @DX-UNSPECIFIED @cite.source-assessment
  Rule: Unspecified and interstitial myositis need clinical review
    Myositis, unspecified (M60.9) and interstitial myositis (M60.1x) need clinical review before they can be placed within the spectrum of idiopathic inflammatory myopathies. This applies only when no code within the spectrum is present: a covered code already places the patient within it.

    Scenario Outline: Unspecified or interstitial myositis is pended for clinical review
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is pend
      And DX-UNSPECIFIED applies
      And the reasons are DX-UNSPECIFIED
      And nothing is authorized

      Examples:
        | diagnoses  |
        | ["M60.9"]  |
        | ["M60.10"] |

    Scenario Outline: A code within the spectrum spares the review of an unspecified or interstitial code beside it
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then DX-UNSPECIFIED does not apply
      And DX-UNSPECIFIED is met
      And DX-SPECTRUM applies
      And the decision is approve
      And there are no reasons

      Examples:
        | diagnoses            |
        | ["M33.02", "M60.9"]  |
        | ["M60.80", "M60.19"] |

    Scenario: Inclusion body myositis beside an unspecified code is denied and the review is still reported
      Given a request like the source case
      And diagnoses is ["G72.41", "M60.19"]
      When the request is assessed
      Then the decision is deny
      And DX-IBM applies
      And DX-UNSPECIFIED applies
      And the reasons are DX-IBM, DX-UNSPECIFIED

    Scenario: Other myositis of a stated kind needs no clinical review of the diagnosis
      Given a request like the source case
      When the request is assessed
      Then DX-UNSPECIFIED does not apply
      And DX-UNSPECIFIED is met
      And the decision is approve

  @DX-SCOPE @cite.source-assessment
  Rule: Other diagnoses are outside this policy
    A request with no diagnosis from the inflammatory myopathy, excluded or clinical review groups of this policy is outside its scope, and IVIG cannot be approved under this policy.

    Scenario Outline: A request without any myopathy diagnosis of this policy is denied as out of scope
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then the decision is deny
      And DX-SCOPE applies
      And the reasons are DX-SCOPE
      And DX-SPECTRUM does not apply
      And SOC-STANDARD does not apply
      And nothing is authorized

      Examples:
        | diagnoses           |
        | ["E11.9"]           |
        | ["G70.00"]          |
        | ["M62.81"]          |
        | ["E11.9", "M62.81"] |

    Scenario: A comorbidity outside this policy does not take a myositis request out of scope
      Given a request like the source case
      And diagnoses is ["M60.80", "E11.9"]
      When the request is assessed
      Then DX-SCOPE does not apply
      And DX-SCOPE is met
      And DX-SPECTRUM applies
      And the decision is approve
      And there are no reasons

    Scenario: An excluded diagnosis is denied for its exclusion, not as out of scope
      Given a request like the source case
      And diagnoses is ["G72.41"]
      When the request is assessed
      Then DX-SCOPE does not apply
      And the reasons are DX-IBM
