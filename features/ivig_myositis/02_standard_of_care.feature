Feature: Standard of care
  Whether IVIG for an inflammatory myopathy is established treatment,
  and the roles it may take alongside other therapy.

  @SOC-STANDARD @cite.source-assessment @cite.dalakas-1993 @cite.aggarwal-2022 @cite.wang-2012 @cite.cherin-1991 @cite.cherin-2002
  Rule: IVIG for inflammatory myopathy is standard of care
    IVIG for idiopathic inflammatory myopathy is standard of care and is not experimental or investigational. It has been in clinical use for decades, and randomized placebo-controlled trials in dermatomyositis have shown its benefit.

    Scenario Outline: IVIG for a diagnosis within the spectrum is standard of care
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then SOC-STANDARD applies
      And DX-SPECTRUM applies
      And the decision is approve

      Examples:
        | diagnoses  |
        | ["M60.80"] |
        | ["M33.10"] |
        | ["M33.20"] |
        | ["G72.49"] |

    Scenario: A continuation of IVIG for myositis is standard of care
      Given a continuation request like the source case
      When the request is assessed
      Then SOC-STANDARD applies
      And the decision is approve

    Scenario Outline: Standard of care is not established for a diagnosis outside the spectrum
      Given a request like the source case
      And diagnoses is <diagnoses>
      When the request is assessed
      Then SOC-STANDARD does not apply
      And SOC-STANDARD is not met
      And DX-SPECTRUM does not apply

      Examples:
        | diagnoses  |
        | ["G72.41"] |
        | ["M60.9"]  |
        | ["E11.9"]  |

  @IND-ROLE @cite.source-assessment
  Rule: IVIG may be first-line, steroid-sparing or add-on therapy
    IVIG may be used as first-line therapy, as a steroid-sparing agent or as add-on therapy to other immunosuppression, depending on the severity of the disease.

    Scenario: IVIG requested without other therapy may be first-line
      Given a request like the source case
      When the request is assessed
      Then IND-ROLE applies
      And the decision is approve

    Scenario Outline: IVIG requested alongside other therapy may be steroid-sparing or add-on
      Given a request like the source case
      And concurrent_therapies is <therapies>
      When the request is assessed
      Then IND-ROLE applies
      And the decision is approve

      Examples:
        | therapies                           |
        | []                                  |
        | ["corticosteroid"]                  |
        | ["corticosteroid", "methotrexate"]  |
        | ["azathioprine", "rituximab"]       |

    Scenario: The role of IVIG is stated on a continuation as well
      Given a continuation request like the source case
      When the request is assessed
      Then IND-ROLE applies
